# CamVid day -> dusk, FDA (Yang & Soatto, CVPR 2020): every labelled day frame takes the low-frequency
# amplitude spectrum (beta 0.01) of a random dusk training frame, phase kept, then source-only training of
# PIDNet-S from scratch (the dusk branch is loaded and ignored); within the shared CPU budget
# (configs/_base_/budgets/camvid_day2dusk_cpu.py). The dusk labels are only used to evaluate.
#   OMP_NUM_THREADS=1 python tools/train.py configs/camvid_day2dusk_fda.py
_base_ = ['./camvid_day2dusk_source_only.py']
# FDA right after CheckedLoadImageFromFile: on the full-size frame, before resizing and normalisation
source_pipeline = [
    *_base_.source_pipeline[:1],  # noqa: F821  (mmengine exposes the merged base config as `_base_`)
    dict(type='FDA', data_root='data/camvid', target_images='train', pattern='0001TP_*.png', beta=0.01),
    *_base_.source_pipeline[1:],  # noqa: F821
]
train_dataloader = dict(dataset=dict(source=dict(pipeline=source_pipeline)))
