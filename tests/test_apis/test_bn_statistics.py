"""reestimate_bn_statistics: running statistics = average of the per-batch statistics; nothing else changes."""
from typing import Dict, List

import pytest
import torch
from da_testing.models import tiny_pidnet
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

import mmseg_da  # noqa: F401
from mmseg_da.apis import reestimate_bn_statistics


@pytest.fixture
def segmentor() -> nn.Module:
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(tiny_pidnet())
    model.eval()
    return model


def loader(n: int, per_batch: int = 1, size=(32, 32), seed: int = 0) -> List[dict]:
    """mmengine-style batches of ``per_batch`` random uint8 images (unlabelled data samples)."""
    g = torch.Generator().manual_seed(seed)
    images = [torch.randint(0, 256, (3, *size), generator=g, dtype=torch.uint8) for _ in range(n)]
    return [dict(inputs=images[i:i + per_batch],
                 data_samples=[SegDataSample(metainfo=dict(img_shape=size, ori_shape=size))
                               for _ in images[i:i + per_batch]])
            for i in range(0, n, per_batch)]


def record_bn_inputs(model: nn.Module) -> Dict[str, List[torch.Tensor]]:
    """Hook every BatchNorm: the input of each of its calls, by module name."""
    seen: Dict[str, List[torch.Tensor]] = {}
    for name, module in model.named_modules():
        if isinstance(module, _BatchNorm):
            seen[name] = []
            module.register_forward_hook(lambda m, args, out, name=name: seen[name].append(args[0].detach().clone()))
    return seen


def bn_buffers(model: nn.Module) -> Dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.state_dict().items() if 'running_' in k or 'num_batches' in k}


def test_statistics_are_the_mean_of_per_batch_statistics_and_weights_do_not_change(segmentor):
    weights = {k: v.clone() for k, v in segmentor.named_parameters()}
    before = bn_buffers(segmentor)
    seen = record_bn_inputs(segmentor)
    used = reestimate_bn_statistics(segmentor, loader(6, per_batch=2), batch_size=2)
    assert used == 3
    modules = dict(segmentor.named_modules())
    assert len([name for name, inputs in seen.items() if inputs]) > 10
    for name, inputs in seen.items():
        if not inputs:  # off the inference path (a training-only auxiliary head): statistics kept
            assert 'decode_head' in name, name
            torch.testing.assert_close(modules[name].running_mean, before[f'{name}.running_mean'])
            continue
        assert len(inputs) == 3, name
        assert all(x.shape[0] == 2 for x in inputs)
        dims = [0] + list(range(2, inputs[0].dim()))
        mean = torch.stack([x.mean(dims) for x in inputs]).mean(0)
        var = torch.stack([x.var(dims, unbiased=True) for x in inputs]).mean(0)
        bn = modules[name]
        torch.testing.assert_close(bn.running_mean, mean, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(bn.running_var, var, rtol=1e-4, atol=1e-5)
        assert int(bn.num_batches_tracked) == 3
        assert not torch.allclose(bn.running_mean, before[f'{name}.running_mean'])  # the statistics did change
    for key, value in segmentor.named_parameters():
        assert torch.equal(value, weights[key]), key


class DropoutNet(nn.Module):
    """A BatchNorm, a dropout after it, and a BatchNorm used only in training mode; records the modes seen."""

    def __init__(self) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(3)
        self.drop = nn.Dropout(0.5)
        self.aux_norm = nn.BatchNorm2d(3)
        self.modes: List[tuple] = []

    def data_preprocessor(self, batch: dict, training: bool) -> dict:
        return dict(inputs=torch.stack(batch['inputs']).float())

    def forward(self, inputs: torch.Tensor, mode: str = 'tensor') -> torch.Tensor:
        self.modes.append((self.training, self.norm.training, self.drop.training))
        out = self.drop(self.norm(inputs))
        if self.training:
            self.aux_norm(inputs)
        return out


def test_only_the_normalisation_layers_run_in_training_mode():
    net = DropoutNet().eval()
    batches = loader(4, per_batch=2)
    reestimate_bn_statistics(net, batches, batch_size=2)
    assert net.modes == [(False, True, False)] * 2  # dropout off, the model on its inference path
    images = torch.stack([image for batch in batches for image in batch['inputs']]).float()
    torch.testing.assert_close(net.norm.running_mean, torch.stack([images[:2].mean((0, 2, 3)),
                                                                   images[2:].mean((0, 2, 3))]).mean(0))
    assert torch.equal(net.aux_norm.running_mean, torch.zeros(3)) and int(net.aux_norm.num_batches_tracked) == 0
    net.aux_norm.running_mean.fill_(7.0)
    reestimate_bn_statistics(net, batches, batch_size=2)
    assert torch.equal(net.aux_norm.running_mean, torch.full((3,), 7.0))  # not reset: it never ran
    assert not net.training and not net.norm.training and not net.drop.training


def test_momentum_and_training_modes_are_restored(segmentor):
    norms = [m for m in segmentor.modules() if isinstance(m, _BatchNorm)]
    norms[0].momentum = 0.3
    segmentor.decode_head.train()  # a mixed state: restored module by module
    modes = {name: m.training for name, m in segmentor.named_modules()}
    momenta = [m.momentum for m in norms]
    reestimate_bn_statistics(segmentor, loader(4), batch_size=2)
    assert {name: m.training for name, m in segmentor.named_modules()} == modes
    assert not segmentor.training and segmentor.decode_head.training
    assert [m.momentum for m in norms] == momenta == [0.3] + [0.1] * (len(norms) - 1)


def test_batch_one_images_are_regrouped_as_one_loader_of_batch_size(segmentor):
    seen = record_bn_inputs(segmentor)
    assert reestimate_bn_statistics(segmentor, loader(8, per_batch=1), batch_size=4) == 2
    regrouped = bn_buffers(segmentor)
    assert {x.shape[0] for inputs in seen.values() for x in inputs} == {4}
    assert reestimate_bn_statistics(segmentor, loader(8, per_batch=4), batch_size=4) == 2
    for key, value in bn_buffers(segmentor).items():
        torch.testing.assert_close(value, regrouped[key], rtol=1e-5, atol=1e-6, msg=key)


def test_a_single_image_batch_fails_in_train_mode_without_regrouping(segmentor):
    """Why regrouping exists: PIDNet's pooled 1x1 features cannot be batch-normalised from one image."""
    with pytest.raises(ValueError, match='too few for a BatchNorm'):
        reestimate_bn_statistics(segmentor, loader(2), batch_size=1)


def test_leftover_images_join_the_last_batch_and_max_batches_stops(segmentor):
    seen = record_bn_inputs(segmentor)
    first = next(iter(seen.values()))
    assert reestimate_bn_statistics(segmentor, loader(9), batch_size=4) == 2
    assert [x.shape[0] for x in first] == [4, 5]
    first.clear()
    assert reestimate_bn_statistics(segmentor, loader(9), batch_size=2, max_batches=3) == 3
    assert [x.shape[0] for x in first] == [2, 2, 2]
    first.clear()
    assert reestimate_bn_statistics(segmentor, loader(3), batch_size=4) == 1  # fewer images than batch_size
    assert [x.shape[0] for x in first] == [3]


def test_errors(segmentor):
    with pytest.raises(ValueError, match='no batch was given'):
        reestimate_bn_statistics(segmentor, [])
    with pytest.raises(ValueError, match=r'different sizes.*\(3, 32, 32\).*\(3, 40, 32\)'):
        reestimate_bn_statistics(segmentor, loader(2) + loader(2, size=(40, 32)), batch_size=4)
    with pytest.raises(ValueError, match='batch_size must be a positive'):
        reestimate_bn_statistics(segmentor, loader(2), batch_size=0)
    with pytest.raises(ValueError, match='max_batches must be a positive'):
        reestimate_bn_statistics(segmentor, loader(2), max_batches=0)
    assert not segmentor.training  # restored after the errors too
    no_bn = nn.Sequential(nn.Conv2d(3, 4, 3), nn.GroupNorm(2, 4))
    with pytest.raises(ValueError, match='Sequential has no BatchNorm'):
        reestimate_bn_statistics(no_bn, loader(2))
