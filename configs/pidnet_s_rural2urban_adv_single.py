# LoveDA Rural -> Urban, single-level AdaptSegNet around PIDNet-S (I branch, weight 0.001); the seed's
# schedule; the best checkpoint by Urban/mIoU. pidnet_s_urban2rural_adv_single.py in the other direction:
# labelled Rural Train + unlabelled Urban Train (the UDADataset of configs/_base_/datasets/loveda_rural2urban.py).
# python tools/train.py configs/pidnet_s_rural2urban_adv_single.py
_base_ = ['./pidnet_s_urban2rural_adv_single.py']
train_dataloader = dict(dataset=dict(source=dict(domain='Rural'), target=dict(domain='Urban')))
default_hooks = dict(checkpoint=dict(save_best='Urban/mIoU'))
