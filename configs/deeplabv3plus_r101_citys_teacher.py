# A heavy teacher for Cityscapes: mmseg's own DeepLabV3+ ResNet-101 (D8) config and its model-zoo checkpoint,
# unchanged (mmseg's ImageNet init, SyncBN, which mmengine turns into BN outside distributed runs, whole
# 2048x1024 images at test time). It pseudo-labels the Cityscapes train images (`pseudo_label_dataset`) for the
# real-time student pidnet_s_gta_cyclegta2citys_deeplabv3plus_pseudo_label.py; recipe: docs/heavy_teacher.md.
#   python tools/pseudo_label.py configs/deeplabv3plus_r101_citys_teacher.py \
#       --out work_dirs/citys_pseudo_labels_deeplabv3plus_r101 --threshold 0.9
#   python tools/test.py configs/deeplabv3plus_r101_citys_teacher.py <load_from below>   # Cityscapes val
# The checkpoint (mmseg's model zoo, deeplabv3plus/metafile.yaml) holds only mmseg's keys; the tools load it
# strictly. It was trained on labelled Cityscapes: a student taught by it is not unsupervised adaptation (see the
# docs page). Another mmseg model: inherit its config the same way, with its own load_from.
_base_ = ['mmseg::deeplabv3plus/deeplabv3plus_r101-d8_4xb2-80k_cityscapes-512x1024.py']
custom_imports = dict(imports=['mmseg_da'], allow_failed_imports=False)
load_from = ('https://download.openmmlab.com/mmsegmentation/v0.5/deeplabv3plus/'
             'deeplabv3plus_r101-d8_512x1024_80k_cityscapes/'
             'deeplabv3plus_r101-d8_512x1024_80k_cityscapes_20200606_114143-068fcfe9.pth')
# The images tools/pseudo_label.py labels (through test_pipeline, without its annotations); the student's
# PseudoLabelDataset wraps the same images. mmseg's own `data_root` of Cityscapes ('data/cityscapes/').
pseudo_label_dataset = dict(
    type='CityscapesDataset', data_root=_base_.data_root,  # noqa: F821  (mmengine: the merged base config)
    data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'))
# As every config of this project (should anyone fine-tune the teacher): a NaN loss stops training, and the
# validation masks are checked before the first iteration.
default_hooks = dict(non_finite_loss=dict(type='NonFiniteLossHook'), val_mask_check=dict(type='ValMaskCheckHook'))
