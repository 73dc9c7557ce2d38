# Multi-level DeepLabV2 (AdaptSegNet): the same DLV2Head classifier also on layer3 (1024 channels),
# as mmseg's `auxiliary_head`, its segmentation loss weighted 0.1. With feats = extract_feat(inputs):
# main logits `decode_head.forward(feats)`, auxiliary logits `auxiliary_head.forward(feats)`.
# 43,274,360 parameters with 7 classes; evaluation and deployment use the main output only.
_base_ = ['./deeplabv2_r101.py']

model = dict(
    auxiliary_head=dict(
        _base_.model.decode_head,  # noqa: F821  (mmengine exposes the merged base config as `_base_`)
        in_channels=1024,
        in_index=2,
        loss_decode=dict(type='PlainCrossEntropyLoss', loss_weight=0.1)))
