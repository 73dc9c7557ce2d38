# As pidnet_s_gta2citys_adv_multi_lsgan.py with AutoAugment-style policies (albumentations operations):
# the ImageNet policy (colour and geometry; geometric operations move the labels too) on the source and
# its colour-only sub-policies on the target. Policies: mmseg_da/datasets/transforms/auto_augment.py.
_base_ = ['./pidnet_s_gta2citys_adv_multi_lsgan.py']
source_pipeline = [
    dict(type='AlbuAutoAugment', policy='imagenet') if t['type'] == 'AlbuAugment' else t
    for t in _base_.source_pipeline  # noqa: F821  (mmengine exposes the merged base config as `_base_`)
]
target_pipeline = [
    dict(type='AlbuAutoAugment', policy='imagenet_color') if t['type'] == 'AlbuAugment' else t
    for t in _base_.target_pipeline  # noqa: F821
]
train_dataloader = dict(
    dataset=dict(source=dict(pipeline=source_pipeline), target=dict(pipeline=target_pipeline)))
