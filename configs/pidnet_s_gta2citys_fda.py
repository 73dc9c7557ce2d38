# GTA5 -> Cityscapes (19 classes, 640x384 crops): FDA (Yang & Soatto, CVPR 2020, beta 0.01) on the GTA5
# images, styled by random Cityscapes train images, then ordinary supervised training of PIDNet-S (the
# style transfer needs no target branch and no GAN).
# python tools/train.py configs/pidnet_s_gta2citys_fda.py
_base_ = [
    './_base_/datasets/gta5_to_cityscapes.py',
    './_base_/models/pidnet_s.py',
    './_base_/schedules/sgd_poly_20e.py',
]
model = dict(decode_head=dict(num_classes=19))
# FDA right after CheckedLoadImageFromFile, before any resizing or normalisation
source_pipeline = [
    *_base_.source_pipeline[:1],  # noqa: F821  (mmengine exposes the merged base config as `_base_`)
    dict(type='FDA', data_root='data/cityscapes', target_images='leftImg8bit/train', beta=0.01),
    *_base_.source_pipeline[1:],  # noqa: F821
]
train_dataloader = dict(
    dataset=dict(_delete_=True, type='GTA5Dataset', data_root='data/gta5', pipeline=source_pipeline))
default_hooks = dict(checkpoint=dict(save_best='mIoU', rule='greater'))
