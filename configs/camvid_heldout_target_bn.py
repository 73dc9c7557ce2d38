# Held-out CamVid day -> dusk, the target-statistics control (TargetBNSegmentor): the baseline's source-only updates
# exactly, with the dusk batches (no gradient) in the BatchNorm running statistics.
_base_ = ['./camvid_heldout_source_only.py']
model = dict(type='TargetBNSegmentor')
