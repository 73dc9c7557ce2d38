# v3: PIDNet-S on LoveDA Urban, augmented with brightness-contrast + coarse dropout (BC, CD);
# validated on Urban and Rural Val.
# 512x512, batch 6, cross-entropy, SGD(0.01, momentum 0.9, wd 5e-4), PolyLR(0.9) per iteration,
# 30 epochs.
#   python tools/train.py configs/pidnet_s_urban_bc_cd.py
_base_ = [
    './_base_/models/pidnet_s.py',
    './_base_/datasets/loveda_urban.py',
    './_base_/schedules/sgd_poly_30e.py',
]
custom_imports = dict(imports=['mmseg_da'], allow_failed_imports=False)
default_scope = 'mmseg'

crop_size = (512, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='CheckSegMap', num_classes=7),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='AlbuAugment', presets=['BC', 'CD']),
    dict(type='GenerateEdge', edge_width=4),  # boundary maps for PIDNet's D head
    dict(type='PackDomainSegInputs'),
]
train_dataloader = dict(batch_size=6, dataset=dict(pipeline=train_pipeline))
