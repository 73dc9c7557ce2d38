# v1: PIDNet-S trained on LoveDA Urban (source only), validated on Urban and Rural Val.
# 512x512, batch 6, cross-entropy, SGD(0.01, momentum 0.9, wd 5e-4), PolyLR(0.9) per iteration,
# 20 epochs.
#   python tools/train.py configs/pidnet_s_urban.py
_base_ = [
    './_base_/models/pidnet_s.py',
    './_base_/datasets/loveda_urban.py',
    './_base_/schedules/sgd_poly_20e.py',
]

