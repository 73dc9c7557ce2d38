# The seed's schedule: SGD(lr 0.01, momentum 0.9, weight decay 5e-4), PolyLR(power 0.9) stepped
# every iteration over 20 epochs, validation and a checkpoint after every epoch, on mmseg's runtime
# (default_scope 'mmseg', visualizer, env). Every experiment inherits this file (or one based on it), so it
# is the one place that loads the plugin.
_base_ = ['mmseg::_base_/default_runtime.py']
custom_imports = dict(imports=['mmseg_da'], allow_failed_imports=False)
max_epochs = 20
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
    clip_grad=None)
param_scheduler = [
    # `end` in epochs; convert_to_iter_based makes the decay per iteration.
    dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, end=max_epochs, by_epoch=True,
         convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # mmengine's CheckpointHook, but last_checkpoint never names a partial or deleted file
    checkpoint=dict(type='AtomicCheckpointHook', by_epoch=True, interval=1, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # every random draw (augmentation, target draws, dropout, mixing) seeded from (seed, iteration): exact --resume
    iteration_seed=dict(type='IterationSeedHook'),
    # a NaN/inf loss term stops training at once (naming iteration and term), and no checkpoint with NaN
    # weights is written; default_hooks.non_finite_loss=None trains on regardless
    non_finite_loss=dict(type='NonFiniteLossHook'),
    # every validation mask (size, channels, values) checked before the first iteration, not after training
    val_mask_check=dict(type='ValMaskCheckHook'),
    visualization=dict(type='SegVisualizationHook'))
# mmengine's Runner with atomic checkpoint files and a strict --resume (mmseg_da/engine/runner.py)
runner_type = 'DARunner'
log_processor = dict(by_epoch=True)
# tools/test.py --tta: mmseg's SegTTAModel, keeping each sample's domain for the per-domain tables
tta_model = dict(type='DomainSegTTAModel')
