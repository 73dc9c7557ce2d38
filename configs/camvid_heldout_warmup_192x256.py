# The size experiment of the held-out warm-up (configs/camvid_heldout_warmup.py) at 192x256 instead of 128x160
# (2.4x the pixels per image): the evidence for the budget's image size. Same data, length and optimizer.
_base_ = ['./camvid_heldout_warmup.py']

size = (192, 256)  # (h, w)


def _at_size(pipeline):
    return [dict(t, scale=(size[1], size[0])) if t['type'] == 'Resize' else t for t in pipeline]


crop_size = size
train_dataloader = dict(dataset=dict(source=dict(pipeline=_at_size(_base_.source_pipeline)),  # noqa: F821
                                     target=dict(pipeline=_at_size(_base_.target_pipeline))))  # noqa: F821
val_dataloader = dict(dataset=dict(datasets=[dict(d, pipeline=_at_size(d['pipeline']))
                                             for d in _base_.val_dataloader.dataset.datasets]))  # noqa: F821
test_dataloader = val_dataloader
