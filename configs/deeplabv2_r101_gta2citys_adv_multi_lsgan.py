# GTA5 -> Cityscapes (19 classes, 640x360 crops): multi-level AdaptSegNet around DeepLabV2-ResNet101
# (discriminators on the layer4 classifier, weight 0.001, and the layer3 classifier, 0.0002, whose
# segmentation loss is weighted 0.1) with the LSGAN objective, as the seed.
# python tools/train.py configs/deeplabv2_r101_gta2citys_adv_multi_lsgan.py
_base_ = [
    './_base_/datasets/gta5_to_cityscapes.py',
    './_base_/uda/adv_deeplabv2_r101_multilevel.py',
    './_base_/uda/adv_sgd_poly_20e.py',
]
model = dict(
    segmentor=dict(decode_head=dict(num_classes=19), auxiliary_head=dict(num_classes=19)),
    gan_loss=dict(gan_type='lsgan'),
    levels=('main', 'aux'))
train_dataloader = dict(batch_size=1)  # AdaptSegNet's batch; DeepLabV2-R101 is heavy
default_hooks = dict(checkpoint=dict(save_best='mIoU', rule='greater'))
