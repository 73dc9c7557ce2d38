# The CPU budget of every CamVid day -> dusk comparison (source-only, adversarial, self-training...): the same
# data, size, batch, iterations, optimizer, schedule and seed for each method, so that only the method differs.
#   images 128x160 (h x w; CamVid's 360x480 scaled by 1/2.8; predictions are scored at full label resolution),
#   batch 4 (source + 4 target images per iteration), 300 iterations, SGD(lr 0.01, momentum 0.9, wd 5e-4) for
#   the segmentor, PolyLR(0.9) per iteration, seed 0, one evaluation (day val + dusk) at the end.
# A method config inherits this file and a method base (e.g. ../methods/adv_pidnet_s.py), with the segmentor from
# scratch (no ImageNet weights offline): model.segmentor.backbone.init_cfg=None, decode_head.num_classes=11.
# Two-stage protocol (stage 2 starts from the source-only run's final weights): any method config with
#   tools/train.py CONFIG --warmup work_dirs/camvid_day2dusk_source_only/iter_300.pth
# or every method x seed at once: tools/analysis/compare_methods.py ... --warmup configs/camvid_day2dusk_source_only.py
# About 2-5 minutes per run for PIDNet-S on 2 CPU cores (one thread: OMP_NUM_THREADS=1 is faster on a busy box).
_base_ = ['../datasets/camvid_day2dusk.py', '../schedules/sgd_poly_20e.py']

budget_size = (128, 160)  # (h, w)
budget_batch = 4
budget_iters = 300


def _at_budget_size(pipeline):
    return [dict(t, scale=(budget_size[1], budget_size[0])) if t['type'] == 'Resize' else t for t in pipeline]


crop_size = budget_size
# noqa: F821 below: mmengine exposes the merged base config as `_base_`
source_pipeline = _at_budget_size(_base_.source_pipeline)  # noqa: F821
target_pipeline = _at_budget_size(_base_.target_pipeline)  # noqa: F821
test_pipeline = _at_budget_size(_base_.test_pipeline)  # noqa: F821
train_pipeline = source_pipeline
train_dataloader = dict(
    batch_size=budget_batch,
    num_workers=2,
    persistent_workers=True,
    # an endless stream of full batches (305 day frames are not a multiple of 4; a batch of one image
    # breaks PIDNet's BatchNorm after its 1x1 pooling)
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(source=dict(pipeline=source_pipeline), target=dict(pipeline=target_pipeline)))
val_dataloader = dict(
    num_workers=2,
    dataset=dict(datasets=[dict(d, pipeline=test_pipeline)
                           for d in _base_.val_dataloader.dataset.datasets]))  # noqa: F821
test_dataloader = val_dataloader

optim_wrapper = dict(
    _delete_=True,
    constructor='UDAOptimWrapperConstructor',
    segmentor=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
                   clip_grad=None))
# (a discriminator, where the model has one, gets the constructor's default: Adam(1e-4, betas (0.9, 0.99)))
param_scheduler = dict(
    _delete_=True,
    segmentor=[dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, end=budget_iters, by_epoch=False)],
    discriminator=[dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, end=budget_iters, by_epoch=False)])
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=budget_iters, val_interval=budget_iters)
default_hooks = dict(
    logger=dict(interval=20, log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=budget_iters, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel')
custom_hooks = [dict(type='UDADataCheckHook')]
