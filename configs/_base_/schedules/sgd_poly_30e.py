# The seed's schedule over 30 epochs (the augmented runs v2-v4).
_base_ = ['./sgd_poly_20e.py']

max_epochs = 30
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, end=max_epochs, by_epoch=True,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
