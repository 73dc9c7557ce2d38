# CamVid day -> dusk, single-level AdaptSegNet around PIDNet-S from scratch, within the shared CPU budget
# (configs/_base_/budgets/camvid_day2dusk_cpu.py): a discriminator on the I-branch softmax (weight 0.001), judged at
# twice the logits' resolution (32x40 for 128x160 images; the FCDiscriminator needs >= 32 px).
#   OMP_NUM_THREADS=1 python tools/train.py configs/camvid_day2dusk_adv_single.py
_base_ = ['./_base_/budgets/camvid_day2dusk_cpu.py', './_base_/methods/adv_pidnet_s.py']
model = dict(
    segmentor=dict(backbone=dict(init_cfg=None), decode_head=dict(num_classes=11)),
    levels=('main', ),
    disc_input_scale=2.0)
