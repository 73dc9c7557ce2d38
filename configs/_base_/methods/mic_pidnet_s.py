# DACS + MIC's masked image consistency (Hoyer et al., CVPR 2023): the student also predicts the target image
# with 70% of its square patches masked (MIC's 64 px at full resolution times the target images' resize factor,
# their scale_factor: 32 px at half resolution) against the teacher's pseudo-labels of the unmasked image and
# their weights (lambda 1). The masked batch does not enter the student's BatchNorm running statistics
# (update_bn_stats=False; see MeanTeacherSegmentor).
_base_ = ['./dacs_pidnet_s.py']
model = dict(train_cfg=dict(mic=dict(mask_ratio=0.7, block_size=None, loss_weight=1.0, update_bn_stats=False)))
