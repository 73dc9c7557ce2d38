# CamVid day -> dusk: labelled day frames + unlabelled dusk frames in every item (UDADataset); validation
# on day (val) and dusk (its 62 frames, the same ones the target uses without labels: transductive, as
# usual for this small benchmark); keep the best checkpoint with save_best='dusk/mIoU'.
_base_ = ['./camvid_day.py']
# `_base_.<name>` reads the base config's variables (mmengine)
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='UDADataset',
        source=dict(type='CamVidDomainDataset', data_root=_base_.data_root, split='train', domain='day',
                    pipeline=_base_.source_pipeline),  # noqa: F821
        target=dict(type='CamVidDomainDataset', data_root=_base_.data_root, split='train', domain='dusk',
                    pipeline=_base_.target_pipeline),  # noqa: F821
        target_subset=None,
        seed=0))
