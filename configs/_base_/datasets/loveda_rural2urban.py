# LoveDA Rural -> Urban: labelled Rural Train + unlabelled Urban Train in every item (UDADataset);
# validation on Val of both domains; keep the best checkpoint with save_best='Urban/mIoU'.
_base_ = ['./loveda.py']
# `_base_.<name>` reads the base config's variables (mmengine)
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='UDADataset',
        source=dict(type='LoveDADomainDataset', data_root=_base_.data_root, split='Train', domain='Rural',
                    pipeline=_base_.source_pipeline),  # noqa: F821
        target=dict(type='LoveDADomainDataset', data_root=_base_.data_root, split='Train', domain='Urban',
                    pipeline=_base_.target_pipeline),  # noqa: F821
        target_subset=None,  # e.g. 100 / 500 / 1000 target images (seeded)
        seed=0))
