"""UDASegmentor.uda_train_step, the one training-step template: a subclass's hooks run once, one update per step."""
import contextlib
from typing import Any, Dict

import torch
from da_testing.models import tiny_pidnet, uda_batch
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from torch import Tensor

from mmseg_da.models.segmentors import UDASegmentor
from mmseg_da.models.utils.output_levels import main_logits


class CountingSegmentor(UDASegmentor):
    """Records the order of its hooks and whether each ran inside the optimizer's context."""

    def __init__(self, events: list, **kwargs) -> None:
        super().__init__(**kwargs)
        self.events = events
        self.in_context = False

    def prepare_step(self, source: dict, target: dict) -> Dict[str, Any]:
        self.events.append(('prepare', self.in_context))
        return {'prepared': True}

    def uda_losses(self, source: dict, target: dict, step: Dict[str, Any]) -> Dict[str, Tensor]:
        self.events.append(('losses', self.in_context))
        assert step == {'prepared': True}
        losses = super().uda_losses(source, target, step)
        out = main_logits(self.segmentor(target['inputs'], mode='tensor'), self.seg_model, (32, 32))
        step['target_mean'] = out.mean().detach()
        losses['tgt.loss_toy'] = out.float().pow(2).mean()
        return losses

    def after_update(self, source: dict, target: dict, step: Dict[str, Any]) -> Dict[str, float]:
        self.events.append(('after', self.in_context))
        return {'tgt.mean': float(step['target_mean'])}


class CountingOptimWrapper(OptimWrapper):

    def __init__(self, model: CountingSegmentor, **kwargs) -> None:
        super().__init__(**kwargs)
        self.model = model

    @contextlib.contextmanager
    def optim_context(self, model):
        self.model.in_context = True
        with super().optim_context(model):
            yield
        self.model.in_context = False

    def update_params(self, loss: Tensor, **kwargs) -> None:
        self.model.events.append(('update', float(loss)))
        super().update_params(loss, **kwargs)


def test_the_template_runs_each_hook_once_around_one_update():
    init_default_scope('mmseg')
    torch.manual_seed(0)
    events = []
    model = CountingSegmentor(events, segmentor=tiny_pidnet())
    model.train()
    optim = CountingOptimWrapper(model, optimizer=torch.optim.SGD(model.segmentor.parameters(), lr=0.01))
    before = [p.detach().clone() for p in model.segmentor.parameters()]
    log = model.train_step(uda_batch(), optim)
    assert [e[0] for e in events] == ['prepare', 'losses', 'update', 'after']
    assert events[0][1] is False and events[1][1] is True and events[3][1] is False
    assert events[2][1] == float(log['loss'])  # the update's loss is the parsed sum, logged as 'loss'
    assert 'tgt.loss_toy' in log and any(k.startswith('decode.') for k in log) and isinstance(log['tgt.mean'], float)
    assert not all(torch.equal(a, b) for a, b in zip(before, model.segmentor.parameters()))
    model.train_step(uda_batch(seed=1), optim)
    assert [e[0] for e in events] == ['prepare', 'losses', 'update', 'after'] * 2


def test_the_default_step_is_source_only():
    """UDASegmentor's own hooks: the segmentor's supervised loss on the source batch, nothing else logged."""
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = UDASegmentor(segmentor=tiny_pidnet())
    model.train()
    batch = uda_batch()
    source = model.preprocess_branch(batch['source'])
    with torch.no_grad():
        expected, _ = model.parse_losses(model.segmentor(source['inputs'], source['data_samples'], mode='loss'))
    log = model.train_step(uda_batch(), OptimWrapper(torch.optim.SGD(model.segmentor.parameters(), lr=0.0)))
    assert float(log['loss']) == float(expected)
    assert all(k == 'loss' or k.startswith(('decode.', 'aux.')) for k in log), list(log)
