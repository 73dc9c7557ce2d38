# mmseg's EncoderDecoder as every model base here builds it: images normalised with the ImageNet mean and std
# (RGB), batches padded to a multiple of 32, whole-image inference. The model bases (pidnet_s.py,
# deeplabv2_r101.py, deeplabv3plus_r18.py) inherit it and add the backbone and heads.
# Only `model` is defined here (no helper variables), so this file combines with any other base.
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size_divisor=32),  # batches of equal-size images pad nothing; odd sizes pad to /32
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
