# ADVENT's MinEnt around PIDNet-S: source losses + 0.001 x the normalised entropy of the target softmax
# (PIDNet's I branch, at input size). See mmseg_da/models/segmentors/entropy_min.py.
# From scratch: --cfg-options model.segmentor.backbone.init_cfg=None
_base_ = ['../models/pidnet_s.py']

model = dict(
    _delete_=True,
    type='EntropyMinSegmentor',
    segmentor=_base_.model,  # noqa: F821  (mmengine exposes the merged base config as `_base_`)
    train_cfg=dict(lambda_ent=0.001))
