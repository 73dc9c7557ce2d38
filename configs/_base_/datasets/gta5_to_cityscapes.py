# GTA5 -> Cityscapes, 19 classes: labelled GTA5 (the release's images/ + labels/, Cityscapes label ids mapped
# to the 19 train ids by GTA5Dataset) + unlabelled Cityscapes train images in every item (UDADataset);
# validation and test on Cityscapes val (mmseg's CityscapesDataset: leftImg8bit/ + gtFine/*_labelTrainIds.png
# written by mmseg's tools/dataset_converters/cityscapes.py), one per-class IoU table.
# Training crops are 640x384 (w x h): GTA5 (1914x1052) resized to fit 1280x720 (1280x703) and Cityscapes
# (2048x1024) to 1280x640, then a random 640x384 crop and a horizontal flip; evaluation on whole 1280x640
# images. Users link the data: ln -s /path/to/gta5 data/gta5; ln -s /path/to/cityscapes data/cityscapes.
# Several sources (e.g. GTA5 + its CycleGAN-translated copy): make `source` a list of dataset configs.

data_root = 'data/gta5'
cyclegta5_root = 'data/cyclegta5'  # same layout and labels as GTA5
target_data_root = 'data/cityscapes'
num_classes = 19
# (h, w); mmseg's Resize scales are (w, h). Both sides are multiples of the data preprocessor's size_divisor
# (32): the seed's 360x640 crops were padded to 384 rows, and the padded target pixels entered the
# pseudo-label confidence fraction, the entropy mean and the discriminators. 384 rows cost what the padded
# 360 did, and are all image.
crop_size = (384, 640)
source_scale = (1280, 720)
target_scale = (1280, 640)
source_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='LoadGTA5Annotations'),  # label ids -> train ids with one lookup table
    dict(type='CheckSegMap', num_classes=num_classes),
    dict(type='Resize', scale=source_scale, keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    # index 6: experiment configs put augmentations here (AlbuAugment presets, AlbuAutoAugment policies)
    dict(type='AlbuAugment', presets=[]),
    dict(type='GenerateEdge', edge_width=4),  # PIDNet's boundary head; other models ignore it
    dict(type='PackDomainSegInputs'),
]
train_pipeline = source_pipeline
target_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=target_scale, keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='AlbuAugment', presets=[]),  # index 4
    dict(type='PackDomainSegInputs'),
]
test_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=target_scale, keep_ratio=True),
    dict(type='CheckedLoadAnnotations'),
    dict(type='CheckSegMap', num_classes=num_classes),  # else IoUMetric silently drops labels >= 19
    dict(type='PackDomainSegInputs'),
]
gta5 = dict(type='GTA5Dataset', data_root=data_root, pipeline=source_pipeline)
cyclegta5 = dict(type='GTA5Dataset', data_root=cyclegta5_root, pipeline=source_pipeline)
cityscapes_train = dict(
    type='CityscapesDataset', data_root=target_data_root,
    data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'), pipeline=target_pipeline)

train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='UDADataset', source=gta5, target=cityscapes_train, target_subset=None, seed=0))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='CityscapesDataset', data_root=target_data_root,
        data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'), pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator

# Test-time augmentation (tools/test.py --tta): the test resolution scaled by each of mmseg's ratios,
# each view with and without a horizontal flip; the views' softmax scores are averaged (DomainSegTTAModel,
# set by --tta). Each view is resized up to a multiple of 8, as PIDNet needs; masks are loaded
# after the views are made, so scoring is at full resolution as above.
tta_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=target_scale, keep_ratio=True),  # the test resolution, as test_pipeline
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
