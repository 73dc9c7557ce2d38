# Output-space adversarial adaptation (AdaptSegNet) around PIDNet-S (configs/_base_/models/pidnet_s.py).
# Levels: 'main' = PIDNet's I branch (the deployed output), 'aux' = its P branch (multi-level: levels=('main',
# 'aux')). The discriminators judge the softmax at the logits' own resolution (1/8 of the input:
# disc_input_scale=1.0), which keeps them cheap next to a real-time segmentor; 'input' resizes to the image
# as AdaptSegNet does (about PIDNet-S's own cost per level). The FCDiscriminator needs >= 32 px a side.
# The AdaptSegNet recipe (discriminator, GAN loss, level weights) is adv_deeplabv2_r101.py's too.
# From scratch: --cfg-options model.segmentor.backbone.init_cfg=None
_base_ = ['../models/pidnet_s.py']

model = dict(
    _delete_=True,
    type='AdversarialSegmentor',
    segmentor=_base_.model,  # noqa: F821  (mmengine exposes the merged base config as `_base_`)
    disc_input_scale=1.0,
    discriminator=dict(type='FCDiscriminator', widths=(64, 128, 256, 512), negative_slope=0.2),
    gan_loss=dict(type='GANLoss', gan_type='vanilla'),
    levels=('main', ),
    adv_weights=dict(main=0.001, aux=0.0002))
