# CamVid day -> dusk, multi-level AdaptSegNet around PIDNet-S from scratch: discriminators on the I branch
# (0.001) and the P branch (0.0002); otherwise as camvid_day2dusk_adv_single.py (same CPU budget).
#   OMP_NUM_THREADS=1 python tools/train.py configs/camvid_day2dusk_adv_multi.py
_base_ = ['./camvid_day2dusk_adv_single.py']
model = dict(levels=('main', 'aux'))
