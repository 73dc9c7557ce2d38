# pidnet_s_rural2urban_adv_single.py with horizontal flip + shift-scale-rotate on the labelled source (the
# seed's v2 augmentation) and the 30-epoch schedule; the unlabelled target is not augmented.
# python tools/train.py configs/pidnet_s_rural2urban_adv_single_hf_ssr.py
_base_ = [
    './_base_/datasets/loveda_rural2urban.py',
    './_base_/uda/adv_pidnet_s.py',
    './_base_/uda/adv_sgd_poly_30e.py',
]
source_pipeline = [
    dict(t, presets=['HF', 'SSR']) if t['type'] == 'AlbuAugment' else t
    for t in _base_.source_pipeline  # noqa: F821  (mmengine exposes the merged base config as `_base_`)
]
train_dataloader = dict(dataset=dict(source=dict(pipeline=source_pipeline)))
default_hooks = dict(checkpoint=dict(save_best='Urban/mIoU', rule='greater'))
