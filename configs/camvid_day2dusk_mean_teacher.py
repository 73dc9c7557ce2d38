# CamVid day -> dusk, online self-training around PIDNet-S from scratch (DACS): EMA teacher (decay 0.99),
# pseudo-labels on the unlabelled dusk frames weighted by the fraction of pixels with confidence >= 0.968,
# ClassMix of day and dusk frames; within the shared CPU budget (configs/_base_/budgets/camvid_day2dusk_cpu.py).
#   OMP_NUM_THREADS=1 python tools/train.py configs/camvid_day2dusk_mean_teacher.py
_base_ = ['./_base_/budgets/camvid_day2dusk_cpu.py', './_base_/methods/mean_teacher_pidnet_s.py']
model = dict(segmentor=dict(backbone=dict(init_cfg=None), decode_head=dict(num_classes=11)))
