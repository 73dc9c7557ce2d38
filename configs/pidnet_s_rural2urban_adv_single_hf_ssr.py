# pidnet_s_rural2urban_adv_single.py with horizontal flip + shift-scale-rotate on the labelled source (the
# seed's v2 augmentation) and the 30-epoch schedule; the unlabelled target is not augmented.
# pidnet_s_urban2rural_adv_single_hf_ssr.py in the other direction: labelled Rural, unlabelled Urban.
# python tools/train.py configs/pidnet_s_rural2urban_adv_single_hf_ssr.py
_base_ = ['./pidnet_s_urban2rural_adv_single_hf_ssr.py']
train_dataloader = dict(dataset=dict(source=dict(domain='Rural'), target=dict(domain='Urban')))
default_hooks = dict(checkpoint=dict(save_best='Urban/mIoU'))
