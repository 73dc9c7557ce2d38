# CamVid day -> dusk, a heavy teacher for a real-time student: PIDNet-S trained on the labelled day frames plus
# the dusk frames labelled by the DeepLabV3+ R18 teacher (camvid_day2dusk_deeplabv3plus_r18_teacher.py; pixels
# below its confidence ignored), restored from the multi-level adversarial run started from the source-only
# warm-up (camvid_day2dusk_adv_multi.py with --warmup: its final checkpoint, the budget evaluating once, at the
# end), for the budget's own 300 iterations (as camvid_day2dusk_pseudo_label.py, with another teacher and another
# start). Recipe: docs/heavy_teacher.md.
#   OMP_NUM_THREADS=1 python tools/train.py configs/camvid_day2dusk_deeplabv3plus_pseudo_label.py
# (load_from: the segmentor's weights only, strictly; the discriminators of the adversarial checkpoint are
# ignored.)
_base_ = ['./camvid_day2dusk_pseudo_label.py']
pseudo_label_dir = 'work_dirs/camvid_dusk_pseudo_labels_deeplabv3plus_r18'
train_dataloader = dict(
    dataset=dict(source=[
        _base_.train_dataloader.dataset.source[0],  # noqa: F821  (the labelled day frames)
        dict(_base_.train_dataloader.dataset.source[1], label_dir=pseudo_label_dir),  # noqa: F821
    ]))
load_from = 'work_dirs/camvid_day2dusk_adv_multi_from_warmup/iter_300.pth'
