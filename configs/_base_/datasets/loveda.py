# LoveDA read from its original layout, {Train,Val,Test}/{Urban,Rural}/{images_png,masks_png}; data from
# Zenodo record 5706578 (Train.zip, Val.zip, Test.zip unpacked under data/loveDA). The common base of
# loveda_urban.py, loveda_rural.py, loveda_urban2rural.py and loveda_rural2urban.py; on its own it trains
# on both domains. Validation and test: LoveDA Val, both domains, one mIoU table per domain.

dataset_type = 'LoveDADomainDataset'
data_root = 'data/loveDA'
num_classes = 7
crop_size = (512, 512)  # (h, w): tiles are 1024x1024, resized (not cropped) to 512x512 as the seed did
train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    # the dataset's reduce_zero_label=True (mmseg's LoveDA default) maps no-data 0 -> 255 and 1..7 -> 0..6;
    # CheckedLoadAnnotations follows it (mmseg deprecates repeating reduce_zero_label here)
    dict(type='CheckedLoadAnnotations'),
    dict(type='CheckSegMap', num_classes=num_classes),
    dict(type='Resize', scale=crop_size, keep_ratio=False),  # bilinear image, nearest mask
    # index 4: experiment configs choose presets, e.g. presets=['HF', 'SSR'] (cfg-options:
    # train_dataloader.dataset.pipeline.4.presets="['HF','SSR']")
    dict(type='AlbuAugment', presets=[]),
    dict(type='GenerateEdge', edge_width=4),  # gt_edge_map for PIDNet's boundary head
    dict(type='PackDomainSegInputs'),
]
# the pipeline of the labelled source in UDA configs
source_pipeline = train_pipeline
# the unlabelled target: no labels are loaded (UDADataset also removes them)
target_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='AlbuAugment', presets=[]),
    dict(type='PackDomainSegInputs'),
]
# predictions at 512x512 are resized back and scored against the full-resolution masks (mmseg's way)
test_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='CheckedLoadAnnotations'),
    dict(type='CheckSegMap', num_classes=num_classes),
    dict(type='PackDomainSegInputs'),
]
# image-only inference (e.g. on the Test split, which has no masks)
predict_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='PackDomainSegInputs'),
]

train_dataloader = dict(
    batch_size=6,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='Train', domain=['Urban', 'Rural'],
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='Val', domain=['Urban', 'Rural'],
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='DomainIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator

# Test-time augmentation (tools/test.py --tta): the test resolution scaled by each of mmseg's ratios,
# each view with and without a horizontal flip; the views' softmax scores are averaged (DomainSegTTAModel,
# set by --tta). Each view is resized up to a multiple of 8, as PIDNet needs; masks are loaded
# after the views are made, so scoring is at full resolution as above.
tta_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=False),  # the test resolution, as test_pipeline
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
