# Source-only training of DeepLabV3+ R18 on UDA batches (the target branch is loaded and ignored): a heavier
# teacher trained on exactly the data stream and schedule of the real-time runs (source_only_pidnet_s.py).
# From scratch: --cfg-options model.segmentor.backbone.init_cfg=None
_base_ = ['../models/deeplabv3plus_r18.py']

model = dict(
    _delete_=True,
    type='UDASegmentor',
    segmentor=_base_.model)  # noqa: F821  (mmengine exposes the merged base config as `_base_`)
