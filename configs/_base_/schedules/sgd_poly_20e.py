# The seed's schedule: SGD(lr 0.01, momentum 0.9, weight decay 5e-4), PolyLR(power 0.9) stepped
# every iteration over 20 epochs, validation and a checkpoint after every epoch; plus mmseg's runtime
# settings. mmseg's `_base_/default_runtime.py` is not inherited: its `default_scope` would clash with
# the dataset bases' (mmengine refuses a key defined by two bases), so its other settings are here.
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
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=1, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))

# runtime (as mmseg's default_runtime.py, logging by epoch)
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
tta_model = dict(type='SegTTAModel')
