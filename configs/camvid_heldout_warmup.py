# The converged source model of the held-out CamVid protocol (configs/_base_/budgets/camvid_heldout_cpu.py):
# PIDNet-S from scratch on the 305 labelled day frames of 0016E5 for `warmup_iters`, validated on the unseen day
# sequence and both dusk blocks every tenth of the run (curves: tools/analysis/plot_curves.py). Stage 1 of
#   compare_methods.py configs/camvid_heldout_*.py --warmup configs/camvid_heldout_warmup.py \
#       --baseline configs/camvid_heldout_source_only.py ...
_base_ = ['./camvid_heldout_source_only.py']

warmup_iters = 4000
param_scheduler = dict(segmentor=[dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, end=warmup_iters,
                                       by_epoch=False)],
                       discriminator=[dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, end=warmup_iters,
                                           by_epoch=False)])
train_cfg = dict(max_iters=warmup_iters, val_interval=warmup_iters // 16)
default_hooks = dict(checkpoint=dict(interval=warmup_iters // 16, max_keep_ckpts=-1))
