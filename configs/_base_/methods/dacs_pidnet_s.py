# DACS as published (Tranheden et al., WACV 2021) around PIDNet-S: the mean teacher + ClassMix of
# mean_teacher_pidnet_s.py plus the strong augmentation of the mixed image (kornia 0.5.8's colour jitter with
# DAFormer's and MIC's s 0.2 (DACS's own code: 0.25) and DACS's p 0.2, Gaussian blur; image only), and the
# teacher normalising with the target batch's statistics (DACS and DAFormer predict with the teacher in train
# mode; measured better on CamVid day -> dusk: docs/experiments.md).
_base_ = ['./mean_teacher_pidnet_s.py']
model = dict(train_cfg=dict(strong_aug=dict(color_jitter_strength=0.2, color_jitter_p=0.2, blur=True),
                            teacher_bn='train'))
