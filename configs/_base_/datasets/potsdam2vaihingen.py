# ISPRS Potsdam -> Vaihingen: labelled Potsdam train tiles + unlabelled Vaihingen train tiles in every item
# (UDADataset); validation and test on the val tiles of both, one mIoU table per domain (Potsdam/mIoU,
# Vaihingen/mIoU). mmseg's datasets and classes (impervious_surface, building, low_vegetation, tree, car,
# clutter; mask value 0 = boundary/unlabelled -> ignored by reduce_zero_label), the same for both domains.
# Data: mmseg's converters (tools/dataset_converters/ of the mmsegmentation repository) cut the orthophotos into
# 512x512 tiles (stride 256) under img_dir/{train,val} and ann_dir/{train,val}:
#   python tools/dataset_converters/potsdam.py /path/to/potsdam      # 2_Ortho_RGB.zip, 5_Labels_all_noBoundary.zip
#   python tools/dataset_converters/vaihingen.py /path/to/vaihingen  # ISPRS_semantic_labeling_Vaihingen*.zip
# which write data/potsdam and data/vaihingen. Vaihingen's tiles are IR-R-G (near-infrared, red, green): with
# Potsdam's RGB tiles the band change is part of the gap (3_Ortho_IRRG.zip gives Potsdam in Vaihingen's bands).
potsdam_root = 'data/potsdam'
vaihingen_root = 'data/vaihingen'
num_classes = 6
crop_size = (512, 512)  # (h, w): the converters' tile size
scale = (crop_size[1], crop_size[0])  # mmcv's Resize takes (w, h)

source_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='CheckedLoadAnnotations'),  # the datasets' reduce_zero_label=True: 0 -> 255, 1..6 -> 0..5
    dict(type='CheckSegMap', num_classes=num_classes),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='AlbuAugment', presets=[]),
    dict(type='GenerateEdge', edge_width=4),
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
    dict(type='CheckedLoadAnnotations'),
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


def _split(root, split, masks=True):
    prefix = dict(img_path=f'img_dir/{split}', seg_map_path=f'ann_dir/{split}') if masks else \
        dict(img_path=f'img_dir/{split}')
    return dict(data_root=root, data_prefix=prefix)


train_dataloader = dict(
    batch_size=6,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='UDADataset',
        source=dict(type='PotsdamDomainDataset', domain_name='Potsdam', pipeline=source_pipeline,
                    **_split(potsdam_root, 'train')),
        # the Vaihingen train masks are never listed (not even read): the target is unlabelled
        target=dict(type='VaihingenDomainDataset', domain_name='Vaihingen', pipeline=target_pipeline,
                    **_split(vaihingen_root, 'train', masks=False)),
        target_subset=None,
        seed=0))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(type='PotsdamDomainDataset', domain_name='Potsdam', pipeline=test_pipeline,
                 **_split(potsdam_root, 'val')),
            dict(type='VaihingenDomainDataset', domain_name='Vaihingen', pipeline=test_pipeline,
                 **_split(vaihingen_root, 'val')),
        ]))
test_dataloader = val_dataloader
val_evaluator = dict(type='DomainIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
