# Online self-training (DACS): PIDNet-S student + EMA teacher (decay 0.99), teacher pseudo-labels on the
# target weighted by the fraction of pixels with confidence >= 0.968, ClassMix of source and target.
# The mixed loss is a weighted cross-entropy on PIDNet's I branch (the deployed output); the source keeps
# PIDNet's own P/I/boundary losses. See mmseg_da/models/segmentors/mean_teacher.py.
# From scratch: --cfg-options model.segmentor.backbone.init_cfg=None
_base_ = ['../models/pidnet_s.py']

model = dict(
    _delete_=True,
    type='MeanTeacherSegmentor',
    segmentor=_base_.model,  # noqa: F821  (mmengine exposes the merged base config as `_base_`)
    train_cfg=dict(alpha=0.99, pseudo_threshold=0.968, pseudo_weight='fraction', class_mix=True,
                   mix_loss_weight=1.0))
