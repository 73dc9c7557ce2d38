# As pidnet_s_gta2citys_adv_multi_lsgan.py with AutoAugment-style policies (albumentations operations):
# the ImageNet policy (colour and geometry; geometric operations move the labels too) on the source and
# its colour-only sub-policies on the target. Policies: mmseg_da/datasets/transforms/auto_augment.py.
_base_ = ['./pidnet_s_gta2citys_adv_multi_lsgan.py']
source_pipeline = {{_base_.source_pipeline}}
source_pipeline[6] = dict(type='AlbuAutoAugment', policy='imagenet')
target_pipeline = {{_base_.target_pipeline}}
target_pipeline[4] = dict(type='AlbuAutoAugment', policy='imagenet_color')
train_dataloader = dict(
    dataset=dict(source=dict(pipeline=source_pipeline), target=dict(pipeline=target_pipeline)))
