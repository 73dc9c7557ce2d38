# GTA5 -> Cityscapes (19 classes, 640x384 crops): ADVENT's MinEnt (lambda_ent 0.001) around PIDNet-S.
# python tools/train.py configs/pidnet_s_gta2citys_minent.py
_base_ = [
    './_base_/datasets/gta5_to_cityscapes.py',
    './_base_/methods/minent_pidnet_s.py',
    './_base_/schedules/self_training_sgd_poly_20e.py',
]
model = dict(segmentor=dict(decode_head=dict(num_classes=19)))
default_hooks = dict(checkpoint=dict(save_best='mIoU', rule='greater'))
