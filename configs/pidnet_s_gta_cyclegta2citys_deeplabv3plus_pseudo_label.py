# GTA5 -> Cityscapes, a heavy teacher for a real-time student: PIDNet-S trained on GTA5, its CycleGAN-translated
# copy and the Cityscapes train images pseudo-labelled by mmseg's DeepLabV3+ R101 (deeplabv3plus_r101_citys_
# teacher.py; pixels below its confidence ignored), three labelled sources concatenated by UDADataset (the
# Cityscapes target branch is loaded and ignored: source-only training), restored from the adversarial run
# pidnet_s_gta_cyclegta2citys_adv_multi_lsgan.py; the seed's schedule, the best Cityscapes val mIoU kept.
# Recipe and the meaning of a Cityscapes-trained teacher: docs/heavy_teacher.md.
#   python tools/train.py configs/pidnet_s_gta_cyclegta2citys_deeplabv3plus_pseudo_label.py \
#       --cfg-options load_from=$(ls work_dirs/pidnet_s_gta_cyclegta2citys_adv_multi_lsgan/best_mIoU_epoch_*.pth)
# load_from: the segmentor's weights only, strictly (the discriminators are ignored). Its default below is the
# adversarial run's final checkpoint; its best one carries the epoch in its name, hence the override above.
_base_ = [
    './_base_/datasets/gta5_to_cityscapes.py',
    './_base_/methods/source_only_pidnet_s.py',
    './_base_/schedules/self_training_sgd_poly_20e.py',
]
pseudo_label_dir = 'work_dirs/citys_pseudo_labels_deeplabv3plus_r101'
model = dict(segmentor=dict(decode_head=dict(num_classes=19)))
# The pseudo-labels are train ids already: the GTA5 source pipeline's LoadGTA5Annotations applies each sample's
# label_map, which PseudoLabelDataset switches off, so they pass unchanged (Cityscapes 2048x1024 and GTA5
# 1914x1052 both fit 1280x720 at 1280 columns, then the same 640x384 crops).
train_dataloader = dict(
    dataset=dict(source=[
        _base_.gta5,  # noqa: F821  (mmengine exposes the merged base config as `_base_`)
        _base_.cyclegta5,  # noqa: F821
        dict(type='PseudoLabelDataset', label_dir=pseudo_label_dir,
             pipeline=_base_.source_pipeline,  # noqa: F821
             dataset=_base_.cityscapes_train),  # noqa: F821
    ]))
load_from = 'work_dirs/pidnet_s_gta_cyclegta2citys_adv_multi_lsgan/epoch_20.pth'
default_hooks = dict(checkpoint=dict(save_best='mIoU', rule='greater'))
