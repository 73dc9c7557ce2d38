# adv_sgd_poly_20e.py over 30 epochs (as the seed's augmented runs).
_base_ = ['./adv_sgd_poly_20e.py']

max_epochs = 30
param_scheduler = dict(
    segmentor=[dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, end=max_epochs, by_epoch=True,
                    convert_to_iter_based=True)],
    discriminator=[dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, end=max_epochs, by_epoch=True,
                        convert_to_iter_based=True)])
train_cfg = dict(max_epochs=max_epochs)
