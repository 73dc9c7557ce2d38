# DeepLabV3+ ResNet-18 (D8): mmseg's model of configs/deeplabv3plus/deeplabv3plus_r18-d8_4xb2-80k_cityscapes-*
# (ResNetV1c-18 dilated to output stride 8, depthwise-separable ASPP head of 128 channels with the 1/4 feature
# as low-level input, FCN auxiliary head on stage 3 with weight 0.4) with BatchNorm instead of SyncBN, 11
# classes. A heavier teacher for the real-time student (pure PyTorch: no compiled mmcv op).
# From scratch (no ImageNet weights): --cfg-options model.backbone.init_cfg=None
# Only `model` is defined here (no helper variables), so this file combines with any other base.
_base_ = ['./encoder_decoder.py']  # EncoderDecoder, ImageNet normalisation, whole-image inference

model = dict(
    backbone=dict(
        type='ResNetV1c',
        depth=18,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
        # mmseg's ImageNet-1k ResNetV1c-18 (what its model-zoo R18 models start from); a local path works too.
        init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://resnet18_v1c')),
    decode_head=dict(
        type='DepthwiseSeparableASPPHead',
        in_channels=512,
        in_index=3,
        channels=128,
        dilations=(1, 12, 24, 36),
        c1_in_channels=64,
        c1_channels=12,
        dropout_ratio=0.1,
        num_classes=11,
        norm_cfg=dict(type='BN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=256,
        in_index=2,
        channels=64,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=11,
        norm_cfg=dict(type='BN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)))
