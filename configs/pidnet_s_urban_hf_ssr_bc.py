# v4: PIDNet-S on LoveDA Urban, augmented with HF + SSR + brightness-contrast (BC);
# validated on Urban and Rural Val.
# 512x512, batch 6, cross-entropy, SGD(0.01, momentum 0.9, wd 5e-4), PolyLR(0.9) per iteration,
# 30 epochs.
#   python tools/train.py configs/pidnet_s_urban_hf_ssr_bc.py
# v2 (pidnet_s_urban_hf_ssr.py: model, data, 30-epoch schedule) with its AlbuAugment step set to these presets
_base_ = ['./pidnet_s_urban_hf_ssr.py']
train_pipeline = [
    dict(t, presets=['HF', 'SSR', 'BC']) if t['type'] == 'AlbuAugment' else t
    for t in _base_.train_pipeline  # noqa: F821 (mmengine exposes the merged bases as `_base_`)
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
