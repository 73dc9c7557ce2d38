# pidnet_s_urban2rural_adv_single_hf_ssr.py with multi-level adaptation (I branch 0.001, P branch 0.0002).
# python tools/train.py configs/pidnet_s_urban2rural_adv_multi_hf_ssr.py
_base_ = ['./pidnet_s_urban2rural_adv_single_hf_ssr.py']
model = dict(levels=('main', 'aux'))
