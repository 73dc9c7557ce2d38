# v0: DeepLabV2-ResNet101 trained on LoveDA Rural (source only), validated on Urban and Rural Val.
# 512x512, batch 6, cross-entropy, SGD(0.01, momentum 0.9, wd 5e-4), PolyLR(0.9) per iteration,
# 20 epochs.
#   python tools/train.py configs/deeplabv2_r101_rural.py
_base_ = [
    './_base_/models/deeplabv2_r101.py',
    './_base_/datasets/loveda_rural.py',
    './_base_/schedules/sgd_poly_20e.py',
]

# the base train pipeline without GenerateEdge (boundary maps are for PIDNet only)
train_pipeline = [
    t for t in _base_.train_pipeline  # noqa: F821 (mmengine exposes the merged bases as `_base_`)
    if t['type'] != 'GenerateEdge'
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
