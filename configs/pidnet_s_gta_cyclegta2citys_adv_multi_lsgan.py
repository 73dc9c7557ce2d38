# "gta + cyclegta + citys": as pidnet_s_gta2citys_adv_multi_lsgan.py with two labelled sources, GTA5 and its
# CycleGAN-translated copy (pre-translated images, same labels, data/cyclegta5), concatenated by UDADataset.
_base_ = ['./pidnet_s_gta2citys_adv_multi_lsgan.py']
train_dataloader = dict(
    dataset=dict(source=[{{_base_.gta5}}, {{_base_.cyclegta5}}]))
