# Multi-level AdaptSegNet around DeepLabV2-ResNet101 (adv_deeplabv2_r101.py): discriminators on the layer4 output
# ('main', weight 0.001) and on a layer3 auxiliary classifier ('aux', weight 0.0002), the segmentor's
# auxiliary_head of configs/_base_/models/deeplabv2_r101_multilevel.py: the same DLV2Head on 1024 channels, its
# segmentation loss weighted 0.1 (AdaptSegNet's lambda_seg).
_base_ = ['./adv_deeplabv2_r101.py']

model = dict(
    segmentor=dict(auxiliary_head=dict(
        _base_.model.segmentor.decode_head,  # noqa: F821  (mmengine exposes the merged base config as `_base_`)
        in_channels=1024,
        in_index=2,
        loss_decode=dict(type='PlainCrossEntropyLoss', loss_weight=0.1))),
    levels=('main', 'aux'))
