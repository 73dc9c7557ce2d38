# CamVid day -> dusk, the teacher-BatchNorm ablation of camvid_day2dusk_dacs.py: the teacher predicts with its
# running statistics (eval mode) instead of the target batch's (DACS/DAFormer's train mode).
#   OMP_NUM_THREADS=1 python tools/train.py configs/camvid_day2dusk_dacs_teacher_eval.py
_base_ = ['./camvid_day2dusk_dacs.py']
model = dict(train_cfg=dict(teacher_bn='eval'))
