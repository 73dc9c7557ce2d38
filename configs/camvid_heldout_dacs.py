# Held-out CamVid day -> dusk (configs/_base_/budgets/camvid_heldout_cpu.py), DACS as published around PIDNet-S
# (configs/_base_/methods/dacs_pidnet_s.py); stage 2 of the comparison in docs/camvid_heldout_protocol.md.
_base_ = ['./_base_/budgets/camvid_heldout_cpu.py', './_base_/methods/dacs_pidnet_s.py']
model = dict(segmentor=dict(backbone=dict(init_cfg=None), decode_head=dict(num_classes=11)))
