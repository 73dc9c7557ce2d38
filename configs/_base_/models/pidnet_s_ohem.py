# PIDNet-S with PIDNet's OHEM cross-entropy for the three semantic terms (boundary loss unchanged).
# (RobustOhemCrossEntropy: mmseg's OhemCrossEntropy without its NaN / ignore_index failures.)
_base_ = ['./pidnet_s.py']

model = dict(
    decode_head=dict(loss_decode=[
        dict(type='RobustOhemCrossEntropy', thres=0.9, min_kept=131072, loss_weight=0.4),
        dict(type='RobustOhemCrossEntropy', thres=0.9, min_kept=131072, loss_weight=1.0),
        dict(type='BoundaryLoss', loss_weight=20.0),
        dict(type='RobustOhemCrossEntropy', thres=0.9, min_kept=131072, loss_weight=1.0),
    ]))
