"""A toy model and dataset for fast, real ``DARunner`` runs: every random draw they make is recorded.

The dataset draws from numpy's global generator in ``__getitem__`` (as augmentation does) and the model from
torch's in its training step (as dropout or a method's mixing do); both are recorded per iteration, so that a
resumed run can be compared with an uninterrupted one draw by draw.
"""
import itertools
from pathlib import Path
from typing import List, Optional

import numpy as np
import torch
from mmengine.model import BaseModel
from torch.utils.data import Dataset

import mmseg_da  # noqa: F401  (registers DARunner and the hooks)
from mmseg_da.engine.runner import DARunner

_names = itertools.count()


class DrawingDataset(Dataset):
    """Eight items, each with a value drawn from numpy's global generator when it is fetched."""

    def __len__(self) -> int:
        return 8

    def __getitem__(self, idx: int) -> dict:
        return dict(inputs=torch.tensor([float(idx), np.random.rand()]))


class DrawingModel(BaseModel):
    """A linear model whose loss adds a torch draw; records (data, draw, loss) of every training step."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)
        self.steps: List[tuple] = []

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        inputs = torch.stack(inputs) if isinstance(inputs, (list, tuple)) else inputs
        out = self.linear(inputs)
        if mode != 'loss':
            return out
        draw = torch.rand(1)
        loss = (out ** 2).mean() + draw.sum()
        self.steps.append((inputs.tolist(), draw.item(), loss.item()))
        return dict(loss=loss)


def toy_runner(work_dir: Path, iters: Optional[int] = 4, epochs: Optional[int] = None, resume=False,
               checkpoint: Optional[dict] = None, seed_hook: bool = True, num_workers: int = 0,
               **kwargs) -> DARunner:
    """A ``DARunner`` with the schedule bases' hooks over the toy model (batch 2)."""
    loop = dict(by_epoch=False, max_iters=iters) if epochs is None else dict(by_epoch=True, max_epochs=epochs)
    hooks = dict(checkpoint=checkpoint or dict(type='AtomicCheckpointHook', interval=2, by_epoch=epochs is not None),
                 logger=dict(type='LoggerHook', interval=1))
    if seed_hook:
        hooks['iteration_seed'] = dict(type='IterationSeedHook')
    return DARunner(
        model=DrawingModel(),
        work_dir=str(work_dir),
        experiment_name=f'toy_{next(_names)}_{Path(work_dir).name}',
        train_dataloader=dict(dataset=DrawingDataset(), batch_size=2, num_workers=num_workers,
                              persistent_workers=num_workers > 0,
                              sampler=dict(type='DefaultSampler', shuffle=True),
                              collate_fn=dict(type='default_collate')),
        train_cfg=loop,
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=hooks,
        randomness=dict(seed=0),
        resume=resume,
        default_scope='mmseg',
        **kwargs)
