# LoveDA Urban -> Rural, multi-level AdaptSegNet around PIDNet-S: discriminators on the I branch (weight 0.001)
# and on the P branch (0.0002), as AdaptSegNet's two levels; otherwise as pidnet_s_urban2rural_adv_single.py.
# python tools/train.py configs/pidnet_s_urban2rural_adv_multi.py
_base_ = ['./pidnet_s_urban2rural_adv_single.py']
model = dict(levels=('main', 'aux'))
