"""TargetBNSegmentor: the source-only step exactly, with BatchNorm running statistics from the target batches."""
import copy

import pytest
import torch
from da_testing.models import tiny_pidnet, uda_batch
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_da  # noqa: F401
from mmseg_da.models.utils.batch_norm import batch_norms


def build(model_type):
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(dict(type=model_type, segmentor=tiny_pidnet()))
    model.train()
    return model, OptimWrapper(torch.optim.SGD(model.segmentor.parameters(), lr=0.1))


def test_weights_follow_source_only_and_statistics_follow_the_target():
    control, control_optim = build('TargetBNSegmentor')
    plain, plain_optim = build('UDASegmentor')  # source-only training
    first = batch_norms(control.seg_model)[0]
    seen = []
    first.register_forward_hook(lambda m, args, out: seen.append(args[0].detach().clone()))
    expected_mean, expected_var = first.running_mean.clone(), first.running_var.clone()
    for step in range(3):
        batch = uda_batch(seed=step)
        control.train_step(copy.deepcopy(batch), control_optim)
        plain.train_step(copy.deepcopy(batch), plain_optim)
        assert len(seen) == 2 * (step + 1)  # the source batch, then the target batch
        target_input = seen[-1]  # only the target batch enters the running statistics (momentum 0.1)
        n = target_input.numel() / target_input.shape[1]
        expected_mean = 0.9 * expected_mean + 0.1 * target_input.mean((0, 2, 3))
        expected_var = 0.9 * expected_var + 0.1 * target_input.var((0, 2, 3), unbiased=False) * n / (n - 1)
    torch.testing.assert_close(first.running_mean, expected_mean, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(first.running_var, expected_var, rtol=1e-4, atol=1e-5)
    # the weights are those of source-only training; only the running statistics differ
    plain_state, control_state = plain.state_dict(), control.state_dict()
    for name, value in control.named_parameters():
        torch.testing.assert_close(value, plain_state[name], rtol=1e-5, atol=1e-6, msg=name)
    assert not torch.allclose(control_state['segmentor.backbone.stem.0.bn.running_mean'],
                              plain_state['segmentor.backbone.stem.0.bn.running_mean'])
    assert all(m.momentum == 0.1 for m in batch_norms(control.seg_model))


def test_a_model_without_batchnorm_is_refused():
    model, optim = build('TargetBNSegmentor')
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, torch.nn.modules.batchnorm._BatchNorm):
                setattr(parent, name, torch.nn.Identity())
    with pytest.raises(ValueError, match='no BatchNorm'):
        model.train_step(uda_batch(), optim)
