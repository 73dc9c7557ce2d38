# The held-out CamVid day -> dusk protocol on the CPU budget (size, batch, optimizer of ./camvid_day2dusk_cpu.py):
#   source (labelled): every frame of the day sequence 0016E5 (its train and val splits, 305 frames);
#   target (unlabelled): the first half in time of the dusk sequence 0001TP (31 frames, the adaptation block);
#   validation: day_heldout = the day sequence 0006R0 (101 frames, never trained on: the source-domain cost),
#               dusk_adapt = the adaptation block (the transductive figure), dusk_heldout = the second half in
#               time (31 frames never adapted on). Adjacent video frames are near-duplicates: blocks, not draws.
# Adaptation runs are `budget_iters` long from a warm-up (../../camvid_heldout_warmup.py) by compare_methods.py.
_base_ = ['./camvid_day2dusk_cpu.py']

budget_iters = 600
source_sequences = ('0016E5', )
heldout_day_sequences = ('0006R0', )
adapt_block = (0.0, 0.5)
heldout_block = (0.5, 1.0)

train_dataloader = dict(
    dataset=dict(
        source=dict(split=('train', 'val'), sequences=source_sequences),
        target=dict(time_block=adapt_block)))
_val_data = dict(type='CamVidDomainDataset', data_root=_base_.data_root, split='train',  # noqa: F821
                 pipeline=_base_.test_pipeline)  # noqa: F821
val_dataloader = dict(
    dataset=dict(datasets=[
        dict(_val_data, domain='day', sequences=heldout_day_sequences, domain_name='day_heldout'),
        dict(_val_data, domain='dusk', time_block=adapt_block, domain_name='dusk_adapt'),
        dict(_val_data, domain='dusk', time_block=heldout_block, domain_name='dusk_heldout'),
    ]))
test_dataloader = val_dataloader

# everything derived from the iteration count, for this budget's length
param_scheduler = dict(
    segmentor=[dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, end=budget_iters, by_epoch=False)],
    discriminator=[dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, end=budget_iters, by_epoch=False)])
train_cfg = dict(max_iters=budget_iters, val_interval=budget_iters // 4)
default_hooks = dict(checkpoint=dict(interval=budget_iters // 4, max_keep_ckpts=-1))
