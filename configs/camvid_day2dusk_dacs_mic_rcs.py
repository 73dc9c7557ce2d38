# CamVid day -> dusk, camvid_day2dusk_dacs_mic.py + DAFormer's rare-class sampling of the day frames (temperature
# 0.01, at least 3000 px at 1280x720 per class, scaled to the label size; statistics cached under work_dirs/.cache).
# The budget pipeline only resizes (no random crop), so re-drawing the crop cannot help: one try.
# Built on the budget and the method base, as camvid_day2dusk_dacs_mic.py (at most 5 levels of inheritance).
#   OMP_NUM_THREADS=1 python tools/train.py configs/camvid_day2dusk_dacs_mic_rcs.py
_base_ = ['./_base_/budgets/camvid_day2dusk_cpu.py', './_base_/methods/mic_pidnet_s.py']
model = dict(segmentor=dict(backbone=dict(init_cfg=None), decode_head=dict(num_classes=11)))
train_dataloader = dict(dataset=dict(rare_class_sampling=dict(temperature=0.01, max_crop_tries=1)))
