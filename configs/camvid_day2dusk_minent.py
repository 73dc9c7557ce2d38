# CamVid day -> dusk, ADVENT's MinEnt around PIDNet-S from scratch: day cross-entropy + 0.001 x the
# normalised entropy of the dusk softmax (I branch); within the shared CPU budget
# (configs/_base_/budgets/camvid_day2dusk_cpu.py).
#   OMP_NUM_THREADS=1 python tools/train.py configs/camvid_day2dusk_minent.py
_base_ = ['./_base_/budgets/camvid_day2dusk_cpu.py', './_base_/methods/minent_pidnet_s.py']
model = dict(segmentor=dict(backbone=dict(init_cfg=None), decode_head=dict(num_classes=11)))
