# GTA5 -> Cityscapes (19 classes, 640x384 crops): multi-level AdaptSegNet around DeepLabV2-ResNet101
# (discriminators on the layer4 classifier, weight 0.001, and the layer3 classifier, 0.0002, whose
# segmentation loss is weighted 0.1) with the LSGAN objective, as the seed.
# python tools/train.py configs/deeplabv2_r101_gta2citys_adv_multi_lsgan.py
# LSGAN weights, the same in every *_lsgan config: AdaptSegNet's multi-level recipe, lambda_adv 0.001 on the main
# output and 0.0002 on the auxiliary one (lambda_adv_target2/target1, the defaults of its
# train_gta2cityscapes_multi.py, which its `--gan LS` option keeps; DAFormer's AdvSeg LS baseline uses them too).
# AdaptSegNet's README gives main 0.01 only for its single-level LS-GAN run (no auxiliary level).
_base_ = [
    './_base_/datasets/gta5_to_cityscapes.py',
    './_base_/methods/adv_deeplabv2_r101_multilevel.py',
    './_base_/schedules/adv_sgd_poly_20e.py',
]
model = dict(
    segmentor=dict(decode_head=dict(num_classes=19), auxiliary_head=dict(num_classes=19)),
    gan_loss=dict(gan_type='lsgan'),
    adv_weights=dict(main=0.001, aux=0.0002),
    levels=('main', 'aux'))
train_dataloader = dict(batch_size=1)  # AdaptSegNet's batch; DeepLabV2-R101 is heavy
default_hooks = dict(checkpoint=dict(save_best='mIoU', rule='greater'))
