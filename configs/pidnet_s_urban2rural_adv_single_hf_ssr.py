# pidnet_s_urban2rural_adv_single.py with the seed's v2 augmentation of the labelled source (horizontal flip +
# shift-scale-rotate, albumentations) and its 30-epoch schedule; the unlabelled target is not augmented.
# python tools/train.py configs/pidnet_s_urban2rural_adv_single_hf_ssr.py
_base_ = [
    './_base_/datasets/loveda_urban2rural.py',
    './_base_/methods/adv_pidnet_s.py',
    './_base_/schedules/adv_sgd_poly_30e.py',
]
source_pipeline = [
    dict(t, presets=['HF', 'SSR']) if t['type'] == 'AlbuAugment' else t
    for t in _base_.source_pipeline  # noqa: F821  (mmengine exposes the merged base config as `_base_`)
]
train_dataloader = dict(dataset=dict(source=dict(pipeline=source_pipeline)))
default_hooks = dict(checkpoint=dict(save_best='Rural/mIoU', rule='greater'))
