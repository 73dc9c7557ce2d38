# Held-out CamVid day -> dusk (configs/_base_/budgets/camvid_heldout_cpu.py), ADVENT's MinEnt around PIDNet-S: day
# cross-entropy + 0.001 x the normalised entropy of the dusk softmax (I branch).
_base_ = ['./_base_/budgets/camvid_heldout_cpu.py', './_base_/methods/minent_pidnet_s.py']
model = dict(segmentor=dict(backbone=dict(init_cfg=None), decode_head=dict(num_classes=11)))
