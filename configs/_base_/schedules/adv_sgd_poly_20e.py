# The seed's schedule (sgd_poly_20e.py) for an adversarial model: one optimizer wrapper per submodule,
# built by UDAOptimWrapperConstructor; the discriminators use AdaptSegNet's Adam(lr 1e-4, betas (0.9, 0.99));
# both learning rates follow PolyLR(power 0.9) per iteration. One epoch = one pass over the source.
# Each submodule is its own DDP module under torchrun (MMSeparateDistributedDataParallel; plain DDP would
# not call the model's train_step); single-process runs ignore it. `tools/train.py --amp` switches both
# sub-wrappers to AmpOptimWrapper.
_base_ = ['./sgd_poly_20e.py']

max_epochs = 20
optim_wrapper = dict(
    _delete_=True,
    constructor='UDAOptimWrapperConstructor',
    segmentor=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
                   clip_grad=None),
    discriminator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99))))
param_scheduler = dict(
    _delete_=True,
    segmentor=[dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, end=max_epochs, by_epoch=True,
                    convert_to_iter_based=True)],
    discriminator=[dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, end=max_epochs, by_epoch=True,
                        convert_to_iter_based=True)])
model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel')
# UDADataCheckHook stops before the first iteration if the training set is not a UDADataset. (IterationSeedHook,
# for an exact --resume, comes with the schedule's default_hooks.)
custom_hooks = [dict(type='UDADataCheckHook')]
