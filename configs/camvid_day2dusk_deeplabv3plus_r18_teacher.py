# CamVid day -> dusk, the heavy teacher: DeepLabV3+ R18 from scratch on the labelled day frames, the data,
# schedule and seed of camvid_day2dusk_source_only.py (the shared CPU budget); only the model differs. Its
# final checkpoint pseudo-labels the dusk frames (the UDADataset target) for the PIDNet-S student
# camvid_day2dusk_deeplabv3plus_pseudo_label.py (recipe: docs/heavy_teacher.md):
#   OMP_NUM_THREADS=1 python tools/train.py configs/camvid_day2dusk_deeplabv3plus_r18_teacher.py
#   python tools/pseudo_label.py configs/camvid_day2dusk_deeplabv3plus_r18_teacher.py \
#       work_dirs/camvid_day2dusk_deeplabv3plus_r18_teacher/iter_300.pth \
#       --out work_dirs/camvid_dusk_pseudo_labels_deeplabv3plus_r18 --class-percentile 50
_base_ = ['./_base_/budgets/camvid_day2dusk_cpu.py', './_base_/methods/source_only_deeplabv3plus_r18.py']
model = dict(segmentor=dict(backbone=dict(init_cfg=None), decode_head=dict(num_classes=11),
                            auxiliary_head=dict(num_classes=11)))
