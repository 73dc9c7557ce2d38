# CamVid day -> dusk, the target-statistics control: from the source-only warm-up, the baseline's 300 source-only
# iterations exactly (same weights updates), except that BatchNorm running statistics track the dusk batches
# (each iteration's target batch runs through the model without gradients) instead of the day ones
# (TargetBNSegmentor). A method's gain over this row is what it adds beyond "BatchNorm saw target images".
#   compare_methods.py ... --warmup configs/camvid_day2dusk_source_only.py (two-stage protocol, stage 2)
_base_ = ['./camvid_day2dusk_source_only.py']
model = dict(type='TargetBNSegmentor')
load_from = 'work_dirs/camvid_day2dusk_source_only/iter_300.pth'
