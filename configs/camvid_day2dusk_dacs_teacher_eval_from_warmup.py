# The teacher-BatchNorm ablation of camvid_day2dusk_dacs_from_warmup.py: the teacher predicts with its running
# statistics (eval mode) instead of the target batch's (DACS/DAFormer's train mode).
_base_ = ['./camvid_day2dusk_dacs_from_warmup.py']
model = dict(train_cfg=dict(teacher_bn='eval'))
