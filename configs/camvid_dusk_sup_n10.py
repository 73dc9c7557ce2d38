# Supervised baseline on N = 10 labelled dusk frames (every 6th of the 62, spanning the sequence), no day
# frames: what a few target labels buy, within the shared CPU budget. Evaluated as the adaptation runs (day
# val + all 62 dusk frames, which include these 10). Another N: --cfg-options
# "train_dataloader.dataset.source.indices=[0,12,24,36,48]"
#   OMP_NUM_THREADS=1 python tools/train.py configs/camvid_dusk_sup_n10.py
_base_ = ['./camvid_day2dusk_source_only.py']
train_dataloader = dict(dataset=dict(source=dict(domain='dusk', indices=[6 * i for i in range(10)])))
