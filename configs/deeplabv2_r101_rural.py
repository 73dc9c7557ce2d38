# v0: DeepLabV2-ResNet101 trained on LoveDA Rural (source only), validated on Urban and Rural Val.
# 512x512, batch 6, cross-entropy, SGD(0.01, momentum 0.9, wd 5e-4), PolyLR(0.9) per iteration,
# 20 epochs.
#   python tools/train.py configs/deeplabv2_r101_rural.py
_base_ = [
    './_base_/models/deeplabv2_r101.py',
    './_base_/datasets/loveda_rural.py',
    './_base_/schedules/sgd_poly_20e.py',
]
custom_imports = dict(imports=['mmseg_da'], allow_failed_imports=False)
default_scope = 'mmseg'

crop_size = (512, 512)
# the base pipeline without GenerateEdge (boundary maps are for PIDNet only)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='CheckSegMap', num_classes=7),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='AlbuAugment', presets=[]),
    dict(type='PackDomainSegInputs'),
]
train_dataloader = dict(batch_size=6, dataset=dict(pipeline=train_pipeline))
