# Source-only training of PIDNet-S on UDA batches (the target branch is loaded and ignored): the baseline of an
# adaptation comparison, with exactly the data stream, initialisation and schedule of the adapted runs.
# From scratch: --cfg-options model.segmentor.backbone.init_cfg=None
_base_ = ['../models/pidnet_s.py']

model = dict(
    _delete_=True,
    type='UDASegmentor',
    segmentor=_base_.model)  # noqa: F821  (mmengine exposes the merged base config as `_base_`)
