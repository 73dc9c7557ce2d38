# CamVid day -> dusk, the target-statistics control: the baseline's source-only updates exactly (same weight
# updates as camvid_day2dusk_source_only.py), except that BatchNorm running statistics track the dusk batches
# (each iteration's target batch runs through the model without gradients) instead of the day ones
# (TargetBNSegmentor). A method's gain over this row is what it adds beyond "BatchNorm saw target images";
# meaningful from the source-only warm-up (two-stage protocol, stage 2):
#   compare_methods.py ... configs/camvid_day2dusk_target_bn.py --warmup configs/camvid_day2dusk_source_only.py
_base_ = ['./camvid_day2dusk_source_only.py']
model = dict(type='TargetBNSegmentor')
