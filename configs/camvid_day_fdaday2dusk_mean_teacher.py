# Two labelled sources at once (as the seed's "gta + cyclegta + citys"): the day frames as they are and the
# same frames styled towards dusk by FDA, concatenated by UDADataset, with mean-teacher self-training on
# the dusk frames (camvid_day2dusk_mean_teacher.py; an epoch is now twice as long, the budget's iterations
# are the same).
#   OMP_NUM_THREADS=1 python tools/train.py configs/camvid_day_fdaday2dusk_mean_teacher.py
_base_ = ['./camvid_day2dusk_mean_teacher.py']
fda_pipeline = [
    *_base_.source_pipeline[:1],  # noqa: F821  (mmengine exposes the merged base config as `_base_`)
    dict(type='FDA', data_root='data/camvid', target_images='train', pattern='0001TP_*.png', beta=0.01),
    *_base_.source_pipeline[1:],  # noqa: F821
]
train_dataloader = dict(
    dataset=dict(source=[
        dict(type='CamVidDomainDataset', data_root='data/camvid', split='train', domain='day',
             pipeline=_base_.source_pipeline),  # noqa: F821
        dict(type='CamVidDomainDataset', data_root='data/camvid', split='train', domain='day',
             pipeline=fda_pipeline),
    ]))
