# Held-out CamVid day -> dusk (configs/_base_/budgets/camvid_heldout_cpu.py), FDA (Yang & Soatto, CVPR 2020): each
# labelled day frame takes the low-frequency amplitude (beta 0.01) of a random frame of the dusk *adaptation block*
# (the first 31 frames in time of 0001TP: 006690-006990 and 007020-007590, the frames `time_block=(0, 0.5)` selects),
# never of the held-out block; then source-only training.
_base_ = ['./camvid_heldout_source_only.py']
source_pipeline = [
    *_base_.source_pipeline[:1],  # noqa: F821  (mmengine exposes the merged base config as `_base_`)
    dict(type='FDA', data_root=_base_.data_root, target_images='train',  # noqa: F821
         pattern=['0001TP_006[6-9]*.png', '0001TP_007[0-5]*.png'], beta=0.01),
    *_base_.source_pipeline[1:],  # noqa: F821
]
train_dataloader = dict(dataset=dict(source=dict(pipeline=source_pipeline)))
