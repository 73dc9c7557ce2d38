"""DLV2Head: four dilated 3x3 classifiers whose logits are summed."""
import pytest
import torch
import torch.nn.functional as F
from mmseg.registry import MODELS

import mmseg_da  # noqa: F401


def make_head(in_channels=8, num_classes=3, **kwargs):
    return MODELS.build(dict(type='DLV2Head', in_channels=in_channels, num_classes=num_classes,
                             **kwargs))


def test_all_four_branches_are_summed():
    torch.manual_seed(0)
    head = make_head().eval()
    feat = torch.randn(2, 8, 30, 30)
    expected = sum(F.conv2d(feat, conv.weight, conv.bias, padding=d, dilation=d)
                   for conv, d in zip(head.conv_seg, (6, 12, 18, 24)))
    out = head([torch.randn(2, 4, 30, 30), feat])  # in_index=-1 picks the last feature map
    assert out.shape == (2, 3, 30, 30)
    torch.testing.assert_close(out, expected)
    for i in range(4):  # every branch matters, the last two included
        with torch.no_grad():
            saved = head.conv_seg[i].bias.clone()
            head.conv_seg[i].bias.add_(1.0)
            assert not torch.allclose(head([feat]), out)
            head.conv_seg[i].bias.copy_(saved)


def test_parameters_are_exactly_the_four_classifiers():
    head = make_head(in_channels=2048, num_classes=7)
    assert [(c.kernel_size, c.dilation, c.padding) for c in head.conv_seg] == [
        ((3, 3), (d, d), (d, d)) for d in (6, 12, 18, 24)]
    assert sum(p.numel() for p in head.parameters()) == 4 * (2048 * 9 * 7 + 7) == 516_124
    assert head.dropout is None


def test_default_init_is_normal_std_001_with_zero_bias():
    torch.manual_seed(0)
    head = make_head(in_channels=256, num_classes=7)
    head.init_weights()
    weights = torch.cat([c.weight.flatten() for c in head.conv_seg])
    assert abs(float(weights.std()) - 0.01) < 1e-3
    assert all(float(c.bias.abs().max()) == 0 for c in head.conv_seg)


@pytest.mark.parametrize('kwargs, error', [
    (dict(in_channels=[8, 8], input_transform='resize_concat', in_index=[0, 1]), ValueError),
    (dict(in_channels=[8, 8]), TypeError),
    (dict(dilations=()), ValueError),
])
def test_bad_arguments_are_named(kwargs, error):
    with pytest.raises(error, match='DLV2Head'):
        make_head(**{'in_channels': 8, **kwargs})
