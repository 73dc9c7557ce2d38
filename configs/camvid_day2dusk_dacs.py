# CamVid day -> dusk, DACS as published around PIDNet-S from scratch (configs/_base_/methods/dacs_pidnet_s.py:
# mean teacher, ClassMix, strong augmentation, teacher with target batch statistics); within the shared CPU
# budget (configs/_base_/budgets/camvid_day2dusk_cpu.py).
#   OMP_NUM_THREADS=1 python tools/train.py configs/camvid_day2dusk_dacs.py
_base_ = ['./_base_/budgets/camvid_day2dusk_cpu.py', './_base_/methods/dacs_pidnet_s.py']
model = dict(segmentor=dict(backbone=dict(init_cfg=None), decode_head=dict(num_classes=11)))
