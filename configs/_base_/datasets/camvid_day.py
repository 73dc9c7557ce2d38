# CamVid (SegNet layout, 360x480, 11 classes; 11 = unlabelled -> ignore 255), split into day (sequences
# 0006R0, 0016E5, Seq05VD) and dusk (0001TP). Train on day (source only, 305 frames); validate on day
# (val split, 101 frames of 0016E5) and dusk (the 62 frames of 0001TP, all in the train split: the only
# dusk frames of the SegNet release here), reported as day/mIoU and dusk/mIoU.
# Users link the data: ln -s ../shared/data/camvid data/camvid (or pass cfg-options for data_root).

dataset_type = 'CamVidDomainDataset'
data_root = 'data/camvid'
num_classes = 11
crop_size = (240, 320)  # (h, w): half of 360x480, same aspect; CPU-friendly. mmseg's Resize takes (w, h).
train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='CheckedLoadAnnotations'),  # the dataset's label_map turns 11 (unlabelled) into 255
    dict(type='CheckSegMap', num_classes=num_classes),
    dict(type='Resize', scale=(crop_size[1], crop_size[0]), keep_ratio=False),
    # index 4: experiment configs choose presets, e.g. presets=['HF', 'SSR']
    dict(type='AlbuAugment', presets=[]),
    dict(type='GenerateEdge', edge_width=4),
    dict(type='PackDomainSegInputs'),
]
source_pipeline = train_pipeline
target_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=(crop_size[1], crop_size[0]), keep_ratio=False),
    dict(type='AlbuAugment', presets=[]),
    dict(type='PackDomainSegInputs'),
]
test_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=(crop_size[1], crop_size[0]), keep_ratio=False),
    dict(type='CheckedLoadAnnotations'),
    dict(type='CheckSegMap', num_classes=num_classes),
    dict(type='PackDomainSegInputs'),
]

train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train', domain='day', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(type=dataset_type, data_root=data_root, split='val', domain='day', pipeline=test_pipeline),
            dict(type=dataset_type, data_root=data_root, split='train', domain='dusk', pipeline=test_pipeline),
        ]))
test_dataloader = val_dataloader
val_evaluator = dict(type='DomainIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator

# Test-time augmentation (tools/test.py --tta): the test resolution scaled by each of mmseg's ratios,
# each view with and without a horizontal flip; the views' softmax scores are averaged (DomainSegTTAModel,
# set by --tta). Each view is resized up to a multiple of 8, as PIDNet needs; masks are loaded
# after the views are made, so scoring is at full resolution as above.
tta_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=(crop_size[1], crop_size[0]), keep_ratio=False),  # as test_pipeline
    dict(
        type='TestTimeAug',
        transforms=[
            [dict(type='Resize', scale_factor=r, keep_ratio=True) for r in (0.5, 0.75, 1.0, 1.25, 1.5, 1.75)],
            [dict(type='ResizeToMultiple', size_divisor=8)],  # PIDNet fails on 180x240 (0.75 x 240x320)
            [dict(type='RandomFlip', prob=0., direction='horizontal'),
             dict(type='RandomFlip', prob=1., direction='horizontal')],
            [dict(type='CheckedLoadAnnotations')],
            [dict(type='CheckSegMap', num_classes=num_classes)],
            [dict(type='PackDomainSegInputs')],
        ]),
]
