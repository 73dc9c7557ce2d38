# Held-out CamVid day -> dusk, multi-level AdaptSegNet around PIDNet-S (discriminators on the I and P branches,
# judged at twice the logits' size as in camvid_day2dusk_adv_single.py).
_base_ = ['./_base_/budgets/camvid_heldout_cpu.py', './_base_/methods/adv_pidnet_s.py']
model = dict(
    segmentor=dict(backbone=dict(init_cfg=None), decode_head=dict(num_classes=11)),
    levels=('main', 'aux'),
    disc_input_scale=2.0)
