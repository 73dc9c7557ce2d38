# CamVid day -> dusk, DACS + MIC masked image consistency around PIDNet-S from scratch
# (configs/_base_/methods/mic_pidnet_s.py; 8 px patches at 128x160, mask ratio 0.7, lambda 1); shared CPU budget.
#   OMP_NUM_THREADS=1 python tools/train.py configs/camvid_day2dusk_dacs_mic.py
_base_ = ['./_base_/budgets/camvid_day2dusk_cpu.py', './_base_/methods/mic_pidnet_s.py']
model = dict(segmentor=dict(backbone=dict(init_cfg=None), decode_head=dict(num_classes=11)))
