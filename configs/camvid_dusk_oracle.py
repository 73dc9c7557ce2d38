# Oracle: PIDNet-S supervised on all 62 labelled dusk frames, within the shared CPU budget. They are also the
# dusk evaluation frames (the only dusk frames of this CamVid), so its dusk mIoU is a training-set figure:
# an upper bound, not a competitor.
#   OMP_NUM_THREADS=1 python tools/train.py configs/camvid_dusk_oracle.py
_base_ = ['./camvid_day2dusk_source_only.py']
train_dataloader = dict(dataset=dict(source=dict(domain='dusk')))
