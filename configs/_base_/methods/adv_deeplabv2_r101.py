# Output-space adversarial adaptation (AdaptSegNet) around DeepLabV2-ResNet101 (single level: the layer4
# ASPP classifier). The discriminator judges the softmax resized to the input image, as AdaptSegNet
# (disc_input_scale='input'; cheap next to DeepLabV2's ~185 GFLOPs).
# The AdaptSegNet recipe below (discriminator, GAN loss, level weights) is adv_pidnet_s.py's: mmengine cannot
# share it between the two model bases without a new top-level config key.
# From scratch: --cfg-options model.segmentor.backbone.init_cfg=None
_base_ = ['../models/deeplabv2_r101.py']

model = dict(
    _delete_=True,
    type='AdversarialSegmentor',
    segmentor=_base_.model,  # noqa: F821  (mmengine exposes the merged base config as `_base_`)
    disc_input_scale='input',
    discriminator=dict(type='FCDiscriminator', widths=(64, 128, 256, 512), negative_slope=0.2),
    gan_loss=dict(type='GANLoss', gan_type='vanilla'),
    levels=('main', ),
    adv_weights=dict(main=0.001, aux=0.0002))
