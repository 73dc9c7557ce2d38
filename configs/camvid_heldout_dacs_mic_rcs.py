# Held-out CamVid day -> dusk, DACS + MIC masked image consistency (configs/_base_/methods/mic_pidnet_s.py) + DAFormer's
# rare-class sampling of the day frames (the budget pipeline has no random crop, so one crop try).
_base_ = ['./_base_/budgets/camvid_heldout_cpu.py', './_base_/methods/mic_pidnet_s.py']
model = dict(segmentor=dict(backbone=dict(init_cfg=None), decode_head=dict(num_classes=11)))
train_dataloader = dict(dataset=dict(rare_class_sampling=dict(temperature=0.01, max_crop_tries=1)))
