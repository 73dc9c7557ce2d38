# DeepLabV2: dilated ResNet-101 (output stride 8) + the ASPP-v2 classifier (DLV2Head), 7 classes.
# mmseg's plain `ResNet` (7x7 stem, torchvision's layout), so torchvision's ImageNet weights load as
# they are; with 7 classes the model has exactly 43,016,284 parameters.
# From scratch (no ImageNet weights): --cfg-options model.backbone.init_cfg=None
# Only `model` is defined here (no helper variables), so this file combines with any other base.
_base_ = ['./encoder_decoder.py']  # EncoderDecoder, ImageNet normalisation, whole-image inference

model = dict(
    backbone=dict(
        type='ResNet',
        depth=101,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        contract_dilation=False,
        style='pytorch',
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        # torchvision's ImageNet-1k ResNet-101 (IMAGENET1K_V1); its `fc.*` keys are ignored.
        # A local path works too.
        init_cfg=dict(type='Pretrained',
                      checkpoint='https://download.pytorch.org/models/resnet101-63fe2227.pth')),
    decode_head=dict(
        type='DLV2Head',
        in_channels=2048,
        in_index=3,
        dilations=(6, 12, 18, 24),
        num_classes=7,
        align_corners=False,
        loss_decode=dict(type='PlainCrossEntropyLoss', loss_weight=1.0)))
