# Your own two domains (FolderDomainDataset): labelled source images, unlabelled target images; validation and
# test on held-out images of both domains, one mIoU table per domain. Walk-through: docs/own_data.md.
# Edit the block below (or copy this file and edit the copy); everything after it follows from it.
# ---- your data ----
data_root = 'data/my_domains'  # holds <img_dir>/{train,val}/... and <ann_dir>/{train,val}/...
img_dir, ann_dir = 'images', 'masks'
img_suffix, seg_map_suffix = '.png', '.png'
# class names in mask-value order (mask value i = classes[i]; 255 = not labelled); one [R, G, B] per class
classes = ('background', 'building', 'road')
palette = [[0, 0, 0], [220, 20, 60], [128, 64, 128]]
reduce_zero_label = False  # True when masks store 1..N for the classes and 0 for "not labelled"
# each domain: a sub-folder, dict(domain='sunny'), or a file-name pattern in a shared folder,
# dict(pattern='sunny_*', domain_name='sunny')
source = dict(domain='sunny')
target = dict(domain='rainy')
crop_size = (512, 512)  # (h, w) the images are resized to for training and testing
# ---- end of your data ----

num_classes = len(classes)
source_name = source.get('domain_name', source.get('domain'))
target_name = target.get('domain_name', target.get('domain'))
save_best_metric = f'{target_name}/mIoU'  # the top-level configs keep the best checkpoint by it
folder = dict(type='FolderDomainDataset', data_root=data_root, img_dir=img_dir, classes=classes, palette=palette,
              img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, reduce_zero_label=reduce_zero_label)
scale = (crop_size[1], crop_size[0])  # mmcv's Resize takes (w, h)

source_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='CheckedLoadAnnotations'),  # follows the dataset's reduce_zero_label
    dict(type='CheckSegMap', num_classes=num_classes),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='AlbuAugment', presets=[]),  # e.g. presets=['HF', 'SSR']
    dict(type='GenerateEdge', edge_width=4),  # boundary maps for PIDNet's boundary head
    dict(type='PackDomainSegInputs'),
]
train_pipeline = source_pipeline
target_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='AlbuAugment', presets=[]),
    dict(type='PackDomainSegInputs'),
]
test_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='CheckedLoadAnnotations'),  # scored at the masks' own resolution
    dict(type='CheckSegMap', num_classes=num_classes),
    dict(type='PackDomainSegInputs'),
]
predict_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='PackDomainSegInputs'),
]
tta_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(
        type='TestTimeAug',
        transforms=[
            [dict(type='Resize', scale_factor=r, keep_ratio=True) for r in (0.5, 0.75, 1.0, 1.25, 1.5, 1.75)],
            [dict(type='ResizeToMultiple', size_divisor=8)],
            [dict(type='RandomFlip', prob=0., direction='horizontal'),
             dict(type='RandomFlip', prob=1., direction='horizontal')],
            [dict(type='CheckedLoadAnnotations')],
            [dict(type='CheckSegMap', num_classes=num_classes)],
            [dict(type='PackDomainSegInputs')],
        ]),
]

train_dataloader = dict(
    batch_size=6,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='UDADataset',
        source=dict(folder, img_dir=f'{img_dir}/train', ann_dir=f'{ann_dir}/train', pipeline=source_pipeline,
                    **source),
        target=dict(folder, img_dir=f'{img_dir}/train', pipeline=target_pipeline, **target),  # no masks needed
        target_subset=None,
        seed=0))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='ConcatDataset',
        datasets=[dict(folder, img_dir=f'{img_dir}/val', ann_dir=f'{ann_dir}/val', pipeline=test_pipeline, **domain)
                  for domain in (source, target)]))
test_dataloader = val_dataloader
val_evaluator = dict(type='DomainIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
