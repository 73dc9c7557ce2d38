# LoveDA Urban -> Rural, single-level AdaptSegNet around PIDNet-S: a discriminator on the softmax of the I branch
# (the deployed output), adversarial weight 0.001; the seed's schedule (SGD 0.01, PolyLR, 20 source epochs,
# batch 6 at 512x512); the best checkpoint by Rural/mIoU.
# python tools/train.py configs/pidnet_s_urban2rural_adv_single.py
# torchrun --nproc_per_node 2 tools/train.py configs/pidnet_s_urban2rural_adv_single.py --launcher pytorch
_base_ = [
    './_base_/datasets/loveda_urban2rural.py',
    './_base_/methods/adv_pidnet_s.py',
    './_base_/schedules/adv_sgd_poly_20e.py',
]
default_hooks = dict(checkpoint=dict(save_best='Rural/mIoU', rule='greater'))
