# LoveDA Rural -> Urban, multi-level AdaptSegNet around PIDNet-S (I branch 0.001, P branch 0.0002).
# python tools/train.py configs/pidnet_s_rural2urban_adv_multi.py
_base_ = ['./pidnet_s_rural2urban_adv_single.py']
model = dict(levels=('main', 'aux'))
