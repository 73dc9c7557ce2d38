# CamVid day -> dusk, camvid_day2dusk_dacs_mic_rcs.py (DACS + MIC + rare-class sampling, one crop try) + photometric
# domain randomisation of the day (source) frames: AlbuAugment's PHOTO presets (darker exposure, gamma,
# hue/saturation/value, CLAHE, sensor noise; image only). Built on the budget and the method base, as
# camvid_day2dusk_dacs_mic.py, to stay within 5 levels of inheritance (tests/test_config_structure.py).
#   OMP_NUM_THREADS=1 python tools/train.py configs/camvid_day2dusk_dacs_mic_rcs_photo.py
_base_ = ['./_base_/budgets/camvid_day2dusk_cpu.py', './_base_/methods/mic_pidnet_s.py']
model = dict(segmentor=dict(backbone=dict(init_cfg=None), decode_head=dict(num_classes=11)))
source_pipeline = [
    dict(t, presets=['PHOTO']) if t['type'] == 'AlbuAugment' else t
    for t in _base_.source_pipeline  # noqa: F821  (mmengine exposes the merged base config as `_base_`)
]
train_dataloader = dict(dataset=dict(rare_class_sampling=dict(temperature=0.01, max_crop_tries=1),
                                     source=dict(pipeline=source_pipeline)))
