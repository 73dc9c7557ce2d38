# GTA5 -> Cityscapes (19 classes, 640x360 crops): FDA (Yang & Soatto, CVPR 2020, beta 0.01) on the GTA5
# images, styled by random Cityscapes train images, then ordinary supervised training of PIDNet-S (the
# style transfer needs no target branch and no GAN).
# python tools/train.py configs/pidnet_s_gta2citys_fda.py
_base_ = [
    './_base_/datasets/gta5_to_cityscapes.py',
    './_base_/models/pidnet_s.py',
    './_base_/schedules/sgd_poly_20e.py',
]
model = dict(decode_head=dict(num_classes=19))
source_pipeline = {{_base_.source_pipeline}}
source_pipeline.insert(
    1, dict(type='FDA', target_images={{_base_.target_data_root}} + '/leftImg8bit/train', beta=0.01))
train_dataloader = dict(
    dataset=dict(_delete_=True, type='GTA5Dataset', data_root={{_base_.data_root}}, pipeline=source_pipeline))
default_hooks = dict(checkpoint=dict(save_best='mIoU', rule='greater'))
