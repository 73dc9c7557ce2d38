# CamVid day -> dusk, source only: PIDNet-S from scratch on labelled day frames within the shared CPU budget
# (configs/_base_/budgets/camvid_day2dusk_cpu.py); evaluated on day (val) and dusk. The baseline of
# camvid_day2dusk_adv_single.py / camvid_day2dusk_adv_multi.py.
#   OMP_NUM_THREADS=1 python tools/train.py configs/camvid_day2dusk_source_only.py
_base_ = ['./_base_/budgets/camvid_day2dusk_cpu.py', './_base_/methods/source_only_pidnet_s.py']
model = dict(segmentor=dict(backbone=dict(init_cfg=None), decode_head=dict(num_classes=11)))
