# LoveDA Urban -> Rural, DACS + MIC around PIDNet-S: mean teacher (0.99) with target-batch statistics, ClassMix,
# strong augmentation, masked image consistency (mask ratio 0.7, 32 px patches at 512x512: MIC's 64 px at 1024);
# the seed's schedule (SGD 0.01, PolyLR, 20 source epochs, batch 6 at 512x512); best checkpoint by Rural/mIoU.
# python tools/train.py configs/pidnet_s_urban2rural_dacs_mic.py
_base_ = [
    './_base_/datasets/loveda_urban2rural.py',
    './_base_/methods/mic_pidnet_s.py',
    './_base_/schedules/self_training_sgd_poly_20e.py',
]
default_hooks = dict(checkpoint=dict(save_best='Rural/mIoU', rule='greater'))
