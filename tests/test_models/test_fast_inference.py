"""The fast inference path: BatchNorm folding (only where exact), channels_last, identical predictions."""
import copy

import pytest
import torch
from da_testing.models import shared
from torch import nn

from mmseg_da.deploy import find_conv_bn_pairs, fold_batchnorm, optimize_for_inference, predict_labels


@pytest.fixture(scope='module')
def pidnet():
    """PIDNet-S with non-trivial BatchNorm statistics and affine parameters (so folding matters)."""
    torch.manual_seed(0)
    model = copy.deepcopy(shared('pidnet_s')).eval()
    for bn in (m for m in model.modules() if isinstance(m, nn.BatchNorm2d)):
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
        nn.init.uniform_(bn.weight, 0.5, 1.5)
        nn.init.uniform_(bn.bias, -0.2, 0.2)
    return model


def test_only_batchnorms_that_read_a_conv_output_are_folded(pidnet):
    pairs = dict((bn, conv) for conv, bn in find_conv_bn_pairs(pidnet, torch.randn(1, 3, 64, 64)))
    assert pairs['backbone.stem.0.bn'] == 'backbone.stem.0.conv'
    assert pairs['decode_head.i_head.norm'] == 'decode_head.i_head.conv.conv'
    # pre-activation BatchNorms (mmcv order norm -> act -> conv) cannot be folded into a conv
    for name in ('backbone.spp.scales.0.bn', 'backbone.spp.compression.bn',
                 'decode_head.i_head.conv.bn'):
        assert name not in pairs
    # the P and D heads do not run in inference, so nothing of theirs is touched
    assert not any(name.startswith(('decode_head.p_head', 'decode_head.d_head')) for name in pairs)
    assert len(pairs) == 66


@pytest.mark.parametrize('channels_last', [False, True])
def test_fast_model_predicts_like_the_plain_one(pidnet, channels_last):
    inputs = torch.randn(2, 3, 96, 96, generator=torch.Generator().manual_seed(1))
    fast = optimize_for_inference(pidnet, inputs, channels_last=channels_last)
    with torch.no_grad():
        plain = pidnet(inputs, mode='tensor')
    # random BN statistics blow logits up to hundreds; folding is exact up to fp32 rounding at that scale
    torch.testing.assert_close(fast(inputs), plain, rtol=1e-3, atol=1e-3 * float(plain.abs().max()))
    agreement = (fast.predict_labels(inputs) == predict_labels(pidnet, inputs)).float().mean()
    assert float(agreement) >= 0.999
    assert fast.predict_labels(inputs).shape == (2, 96, 96)
    # the original is left as it was
    assert isinstance(pidnet.backbone.stem[0].bn, nn.BatchNorm2d)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in fast.model.modules()) == 79 - 66


class ConvAddBN(nn.Module):
    """conv -> in-place add -> bn: the BN reads the conv's output tensor, but modified."""

    def __init__(self, in_place: bool) -> None:
        super().__init__()
        self.conv, self.bn, self.in_place = nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), in_place

    def forward(self, x):
        y = self.conv(x)
        if self.in_place:
            y.add_(1.0)
        return self.bn(y)


@pytest.mark.parametrize('in_place, folded', [(False, 1), (True, 0)])
def test_a_tensor_modified_in_place_is_not_folded(in_place, folded):
    model = ConvAddBN(in_place).eval()
    model.bn.running_mean.fill_(0.3)
    x = torch.randn(1, 3, 8, 8)
    with torch.no_grad():
        expected = model(x)
        assert fold_batchnorm(model, x) == folded
        torch.testing.assert_close(model(x), expected)


class ConvResidualBN(nn.Module):
    """``y = conv(x); bn(y) + y``: the conv's output has a second reader, so folding would change it."""

    def __init__(self) -> None:
        super().__init__()
        self.conv, self.bn = nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4)
        self.bn.running_mean.uniform_(-1.0, 1.0, generator=torch.Generator().manual_seed(0))
        self.bn.running_var.fill_(0.25)

    def forward(self, x):
        y = self.conv(x)
        return self.bn(y) + y


@pytest.mark.parametrize('precision', ['fp32', 'bf16'])
def test_a_conv_output_read_by_more_than_its_batchnorm_is_not_folded(precision):
    model = ConvResidualBN().eval()
    x = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = model(x)
    assert find_conv_bn_pairs(model, x) == []
    fast = optimize_for_inference(model, x, precision=precision, channels_last=False)
    tol = 1e-5 if precision == 'fp32' else 5e-2  # bf16 keeps 8 bits of mantissa
    torch.testing.assert_close(fast(x), expected, rtol=tol, atol=tol * float(expected.abs().max()))


def test_a_wrong_fold_is_caught_in_float32_before_the_cast(monkeypatch):
    from mmseg_da.deploy import fast_inference
    monkeypatch.setattr(fast_inference, 'find_conv_bn_pairs', lambda *args: [('conv', 'bn')])
    with pytest.raises(RuntimeError, match='folding changed the float32 logits'):
        optimize_for_inference(ConvResidualBN().eval(), torch.randn(1, 3, 8, 8), precision='bf16')


def test_bad_requests_are_refused(pidnet):
    with pytest.raises(ValueError, match='fp16'):
        optimize_for_inference(pidnet, torch.zeros(1, 3, 64, 64), precision='fp16', device='cpu')
    with pytest.raises(ValueError, match='precision'):
        optimize_for_inference(pidnet, torch.zeros(1, 3, 64, 64), precision='int4')
    with pytest.raises(RuntimeError, match='eval mode'):
        fold_batchnorm(nn.Sequential(nn.Conv2d(3, 3, 1), nn.BatchNorm2d(3)).train(),
                       torch.zeros(1, 3, 4, 4))
