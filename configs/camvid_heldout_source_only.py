# Held-out CamVid day -> dusk (configs/_base_/budgets/camvid_heldout_cpu.py), source only: the baseline of the
# comparison, i.e. the warm-up continued for the adaptation budget on labelled day frames.
_base_ = ['./_base_/budgets/camvid_heldout_cpu.py', './_base_/methods/source_only_pidnet_s.py']
model = dict(segmentor=dict(backbone=dict(init_cfg=None), decode_head=dict(num_classes=11)))
