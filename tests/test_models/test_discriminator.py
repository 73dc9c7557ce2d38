"""FCDiscriminator, the per-level container and the GAN objectives."""
import pytest
import torch
from torch.nn import functional as F

from mmseg_da.models.discriminators import FCDiscriminator, MultiLevelDiscriminator
from mmseg_da.models.losses.gan_loss import SOURCE_LABEL, TARGET_LABEL, GANLoss


def test_fc_discriminator_layers_and_output_shape():
    disc = FCDiscriminator(in_channels=7)
    convs = [m for m in disc.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [64, 128, 256, 512, 1]
    assert all(c.kernel_size == (4, 4) and c.stride == (2, 2) and c.padding == (1, 1) for c in convs)
    acts = [m for m in disc.modules() if isinstance(m, torch.nn.LeakyReLU)]
    assert len(acts) == 4 and all(a.negative_slope == 0.2 for a in acts)
    assert disc(torch.rand(2, 7, 64, 96)).shape == (2, 1, 2, 3)
    assert disc(torch.rand(1, 7, 32, 32)).shape == (1, 1, 1, 1)


def test_fc_discriminator_widths_are_configurable():
    disc = FCDiscriminator(in_channels=3, widths=(8, 16))
    convs = [m for m in disc.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [8, 16, 1]
    assert disc.min_input_size == 8
    assert disc(torch.rand(1, 3, 16, 16)).shape == (1, 1, 2, 2)


def test_fc_discriminator_rejects_bad_inputs():
    disc = FCDiscriminator(in_channels=7)
    with pytest.raises(ValueError, match='at least 32x32'):
        disc(torch.rand(1, 7, 16, 64))
    with pytest.raises(ValueError, match=r'\(N, 7, H, W\)'):
        disc(torch.rand(1, 5, 64, 64))
    with pytest.raises(ValueError, match='widths'):
        FCDiscriminator(in_channels=7, widths=())


def test_multi_level_discriminator_checks_in_channels():
    multi = MultiLevelDiscriminator(dict(type='FCDiscriminator', widths=(8, 16)), {'main': 7, 'aux': 7})
    assert set(multi.discriminators) == {'main', 'aux'}
    assert multi['main'] is not multi['aux']
    src, tgt = multi({'main': torch.rand(1, 7, 16, 16)}, {'main': torch.rand(1, 7, 16, 16),
                                                          'aux': torch.rand(1, 7, 16, 16)})
    assert set(src) == {'main'} and set(tgt) == {'main', 'aux'}
    with pytest.raises(ValueError, match=r'discriminator\.in_channels=5 .* 7 classes'):
        MultiLevelDiscriminator(dict(type='FCDiscriminator', in_channels=5), {'main': 7})


def test_vanilla_gan_loss_is_bce_with_logits():
    logits = torch.tensor([[-2.0, 0.5], [1.0, 3.0]])
    loss = GANLoss('vanilla')
    assert torch.isclose(loss(logits, SOURCE_LABEL),
                         F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits)))
    # by hand: -log(sigmoid(x)) for label 1
    expected = -torch.log(torch.sigmoid(logits)).mean()
    assert torch.isclose(loss(logits, TARGET_LABEL), expected)
    assert loss.accuracy(logits, TARGET_LABEL) == 0.75  # three cells > 0
    assert loss.accuracy(logits, SOURCE_LABEL) == 0.25


def test_lsgan_loss_is_mean_squared_error():
    logits = torch.tensor([0.0, 0.25, 1.0, 2.0])
    loss = GANLoss('lsgan', loss_weight=2.0)
    assert torch.isclose(loss(logits, TARGET_LABEL), 2.0 * ((logits - 1) ** 2).mean())
    assert torch.isclose(loss(logits, SOURCE_LABEL), 2.0 * (logits**2).mean())
    assert loss.accuracy(logits, TARGET_LABEL) == 0.5  # threshold 0.5: 1.0 and 2.0


def test_gan_loss_rejects_unknown_type():
    with pytest.raises(ValueError, match="gan_type must be one of .* got 'wgan'"):
        GANLoss('wgan')
