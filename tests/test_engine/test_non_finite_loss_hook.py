"""NonFiniteLossHook: a NaN loss stops training naming iteration and term, before a NaN checkpoint is written."""
import json
from pathlib import Path

import pytest
import torch
from mmengine.model import BaseModel
from torch.utils.data import Dataset

import mmseg_da  # noqa: F401
from mmseg_da.engine.hooks import NonFiniteLossError
from mmseg_da.engine.runner import DARunner


class Items(Dataset):

    def __len__(self) -> int:
        return 8

    def __getitem__(self, idx: int) -> dict:
        return dict(inputs=torch.tensor([float(idx), 1.0]))


class Diverging(BaseModel):
    """Two loss terms; from step ``nan_loss_at`` ``loss_b`` is NaN, from ``nan_weight_at`` a weight is NaN."""

    def __init__(self, nan_loss_at: int = 0, nan_weight_at: int = 0) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)
        self.register_buffer('scale', torch.ones(1))
        self.nan_loss_at, self.nan_weight_at, self.steps = nan_loss_at, nan_weight_at, 0

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        out = self.linear(torch.stack(inputs) if isinstance(inputs, (list, tuple)) else inputs)
        if mode != 'loss':
            return out
        self.steps += 1
        loss_b = (out - 1).abs().mean()
        if self.steps == self.nan_loss_at:
            loss_b = loss_b * float('nan')
        if self.steps == self.nan_weight_at:  # the loss of this step is still finite
            self.scale.fill_(float('inf'))
        return dict(loss_a=(out ** 2).mean(), loss_b=loss_b)


def runner(work_dir: Path, model: BaseModel, **overrides) -> DARunner:
    hooks = dict(checkpoint=dict(type='AtomicCheckpointHook', interval=1, by_epoch=False, max_keep_ckpts=-1),
                 logger=dict(type='LoggerHook', interval=1), non_finite_loss=dict(type='NonFiniteLossHook'))
    hooks.update(overrides.pop('default_hooks', {}))
    cfg = dict(model=model, work_dir=str(work_dir), experiment_name=f'nf_{work_dir.name}',
               train_dataloader=dict(dataset=Items(), batch_size=2, num_workers=0,
                                     sampler=dict(type='DefaultSampler', shuffle=False),
                                     collate_fn=dict(type='default_collate')),
               train_cfg=dict(by_epoch=False, max_iters=4), optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
               default_hooks=hooks, randomness=dict(seed=0), default_scope='mmseg')
    cfg.update(overrides)
    return DARunner(**cfg)


def logged_iterations(work_dir: Path) -> list:
    rows = []
    for path in work_dir.glob('*/vis_data/scalars.json'):
        rows += [json.loads(line)['iter'] for line in path.read_text().splitlines() if 'loss' in line]
    return sorted(rows)


def test_a_nan_loss_term_stops_training_naming_iteration_and_term(tmp_path):
    work = tmp_path / 'nan_loss'
    with pytest.raises(NonFiniteLossError, match=r'diverged at iteration 3 .*loss_b=nan.*finite: loss_a') as err:
        runner(work, Diverging(nan_loss_at=3)).train()
    assert 'default_hooks.non_finite_loss=None' in str(err.value)
    assert sorted(p.name for p in work.glob('*.pth')) == ['iter_1.pth', 'iter_2.pth']  # nothing of iteration 3
    assert (work / 'last_checkpoint').read_text().endswith('iter_2.pth')
    assert logged_iterations(work) == [1, 2]  # iteration 3 was neither logged nor saved


def test_non_finite_weights_are_never_saved(tmp_path):
    work = tmp_path / 'nan_weights'
    with pytest.raises(NonFiniteLossError, match=r'by iteration 2: .*1 of its \d+ tensors hold NaN or infinite '
                                                 r'values, the first scale \(1 of 1 values\).*not saved'):
        runner(work, Diverging(nan_weight_at=2)).train()
    assert sorted(p.name for p in work.glob('*.pth')) == ['iter_1.pth']
    assert not list(work.glob('.*.tmp*'))  # the refused save left no temporary file


def test_the_guard_can_be_switched_off(tmp_path):
    work = tmp_path / 'off'
    runner(work, Diverging(nan_loss_at=3), default_hooks=dict(non_finite_loss=None)).train()
    assert sorted(p.name for p in work.glob('*.pth')) == ['iter_1.pth', 'iter_2.pth', 'iter_3.pth', 'iter_4.pth']
    work = tmp_path / 'weights_off'
    runner(work, Diverging(nan_weight_at=2),
           default_hooks=dict(non_finite_loss=dict(type='NonFiniteLossHook', check_weights=False))).train()
    assert (work / 'iter_2.pth').is_file()

