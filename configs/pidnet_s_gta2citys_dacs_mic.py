# GTA5 -> Cityscapes (19 classes, 640x384 crops), DACS + MIC around PIDNet-S: mean teacher with target-batch
# statistics, ClassMix, strong augmentation, masked image consistency (mask ratio 0.7, 40 px patches: MIC's
# 64 px at full resolution, Cityscapes' 2048x1024 resized to 1280x640), and DAFormer's rare-class sampling of the
# GTA5 images (T 0.01; 3000 pixels of the 1914x1052 label, 1500 of the crop of the 1280x720 image).
# python tools/train.py configs/pidnet_s_gta2citys_dacs_mic.py
_base_ = [
    './_base_/datasets/gta5_to_cityscapes.py',
    './_base_/methods/mic_pidnet_s.py',
    './_base_/schedules/self_training_sgd_poly_20e.py',
]
model = dict(segmentor=dict(decode_head=dict(num_classes=19)))
train_dataloader = dict(dataset=dict(rare_class_sampling=dict(temperature=0.01)))
default_hooks = dict(checkpoint=dict(save_best='mIoU', rule='greater'))
