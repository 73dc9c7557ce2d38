# CamVid day -> dusk, camvid_day2dusk_dacs.py + photometric domain randomisation of the day (source) frames:
# AlbuAugment's PHOTO presets (darker exposure, gamma, hue/saturation/value, CLAHE, sensor noise; image only).
#   OMP_NUM_THREADS=1 python tools/train.py configs/camvid_day2dusk_dacs_photo.py
_base_ = ['./camvid_day2dusk_dacs.py']
source_pipeline = [
    dict(t, presets=['PHOTO']) if t['type'] == 'AlbuAugment' else t
    for t in _base_.source_pipeline  # noqa: F821  (mmengine exposes the merged base config as `_base_`)
]
train_dataloader = dict(dataset=dict(source=dict(pipeline=source_pipeline)))
