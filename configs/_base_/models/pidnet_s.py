# PIDNet-S: mmseg's PIDNet backbone + PIDHead, 7 LoveDA classes, plain cross-entropy (the seed's
# criterion); OHEM cross-entropy instead: inherit `pidnet_s_ohem.py`.
# From scratch (no ImageNet weights): --cfg-options model.backbone.init_cfg=None
# Training needs boundary maps: `dict(type='GenerateEdge', edge_width=4)` before the packing transform
# of the (source) train pipeline.
# Outputs: eval/test -> I-branch logits (N, C, H/8, W/8). Training: `decode_head.forward(
# extract_feat(x))` -> (P-branch logits, I-branch logits, boundary logits); the P branch is the
# auxiliary output for multi-level adaptation.
# Only `model` is defined here (no helper variables), so this file combines with any other base.
_base_ = ['./encoder_decoder.py']  # EncoderDecoder, ImageNet normalisation, whole-image inference

model = dict(
    backbone=dict(
        type='PIDNet',
        in_channels=3,
        channels=32,
        ppm_channels=96,
        num_stem_blocks=2,
        num_branch_blocks=3,
        align_corners=False,
        norm_cfg=dict(type='BN', requires_grad=True),
        act_cfg=dict(type='ReLU', inplace=True),
        # mmseg's ImageNet-1k PIDNet-S weights (backbone keys only); a local path works too.
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/pidnet/'
            'pidnet-s_imagenet1k_20230306-715e6273.pth')),
    decode_head=dict(
        type='PIDHead',
        in_channels=128,
        channels=128,
        num_classes=7,
        norm_cfg=dict(type='BN', requires_grad=True),
        act_cfg=dict(type='ReLU', inplace=True),
        align_corners=True,
        dropout_ratio=0.0,  # the official PIDNet has no dropout before its classifiers (mmseg: 0.1)
        # PIDNet's four terms, in PIDHead's order: P-branch semantics, I-branch semantics, boundary,
        # boundary-aware semantics. PIDHead calls the 2nd and 4th without `ignore_index`, hence
        # PlainCrossEntropyLoss (ignores 255 by itself) rather than mmseg's CrossEntropyLoss.
        loss_decode=[
            dict(type='PlainCrossEntropyLoss', loss_weight=0.4),
            dict(type='PlainCrossEntropyLoss', loss_weight=1.0),
            dict(type='BoundaryLoss', loss_weight=20.0),
            dict(type='PlainCrossEntropyLoss', loss_weight=1.0),
        ]))
