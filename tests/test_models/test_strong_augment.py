"""DACS's strong augmentation (colour jitter, Gaussian blur) and MIC's block masks, on normalised tensors."""
import colorsys
import math

import pytest
import torch
from mmseg.structures import SegDataSample

from mmseg_da.models.utils.masking import block_mask, mask_block_size, masked_images, resize_factor
from mmseg_da.models.utils.strong_augment import (
    JitterParams,
    adjust_brightness,
    adjust_contrast,
    adjust_hue,
    adjust_saturation,
    apply_color_jitter,
    blur_kernel_size,
    color_jitter,
    draw_jitter_params,
    gaussian_blur,
    hsv_to_rgb,
    rgb_to_hsv,
    strong_augment,
)

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]


def normalise(rgb):
    return (rgb * 255 - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)


def test_zero_strength_jitter_is_the_identity_and_full_strength_changes_colours():
    rgb = torch.rand(3, 3, 16, 16)
    torch.testing.assert_close(color_jitter(rgb, 0.0), rgb, atol=1e-5, rtol=0)
    jittered = color_jitter(rgb, 0.2, torch.Generator().manual_seed(0))
    assert jittered.min() >= 0 and jittered.max() <= 1
    assert (jittered - rgb).abs().mean() > 0.01


def test_hsv_conversion_matches_colorsys_and_round_trips():
    rgb = torch.rand(2, 3, 5, 7)
    rgb[0, :, 0, 0] = 0.4  # a gray pixel: hue 0, saturation 0
    hsv = rgb_to_hsv(rgb)
    for n, i, j in [(0, 0, 0), (0, 2, 3), (1, 4, 6), (1, 1, 1)]:
        expected = colorsys.rgb_to_hsv(*rgb[n, :, i, j].tolist())
        assert hsv[n, :, i, j].tolist() == pytest.approx(expected, abs=1e-5)
    torch.testing.assert_close(hsv_to_rgb(hsv), rgb, atol=1e-5, rtol=0)


def test_brightness_is_additive_so_a_dark_frame_moves_by_up_to_s():
    dark = torch.full((400, 3, 4, 4), 0.15)  # a dusk frame of mean 0.15, gray: saturation and hue act not
    torch.testing.assert_close(adjust_brightness(dark[:2], torch.tensor([0.2, -0.2])).mean((1, 2, 3)),
                               torch.tensor([0.35, 0.0]))  # + b, then clamped
    moved = color_jitter(dark, 0.2, torch.Generator().manual_seed(0)).mean((1, 2, 3)) - 0.15
    # a multiplicative brightness and contrast would move it by at most 0.15 * (1.2 * 1.2 - 1) = 0.066
    assert moved.max() > 0.15 and moved.min() < -0.14
    assert moved.abs().max() <= 0.35 * 1.2 - 0.15 + 1e-6  # (x + b) * c at most
    assert abs(float(moved.mean())) < 0.03


def test_contrast_multiplies_and_clamps_as_kornia_0_5_8():
    rgb = torch.tensor([0.1, 0.5, 0.9]).view(1, 3, 1, 1)
    torch.testing.assert_close(adjust_contrast(rgb, torch.tensor([1.2])).flatten(), torch.tensor([0.12, 0.6, 1.0]))


def test_saturation_and_hue_act_in_hsv_and_hue_keeps_value_and_saturation():
    rgb = torch.rand(8, 3, 6, 6)
    shifted = adjust_hue(rgb, torch.linspace(-0.2, 0.2, 8))
    before, after = rgb_to_hsv(rgb), rgb_to_hsv(shifted)
    torch.testing.assert_close(after[:, 2], before[:, 2], atol=1e-5, rtol=0)  # V kept
    torch.testing.assert_close(after[:, 1], before[:, 1], atol=1e-4, rtol=0)  # S kept
    turn = (after[:, 0] - before[:, 0] - torch.linspace(-0.2, 0.2, 8).view(-1, 1, 1)) % 1.0
    chromatic = before[:, 1] > 0.05
    assert torch.minimum(turn, 1 - turn)[chromatic].max() < 1e-4  # the hue moved by the shift
    torch.testing.assert_close(adjust_hue(rgb, torch.ones(8)), rgb, atol=1e-5, rtol=0)  # a full turn
    half = adjust_saturation(rgb, torch.full((8,), 0.5))
    torch.testing.assert_close(rgb_to_hsv(half)[:, 1], before[:, 1] * 0.5, atol=1e-4, rtol=0)
    torch.testing.assert_close(rgb_to_hsv(half)[:, 2], before[:, 2], atol=1e-5, rtol=0)


def test_the_order_of_the_four_jitters_is_drawn_per_image():
    params = draw_jitter_params(64, 0.2, torch.Generator().manual_seed(0))
    assert params.factors.shape == (4, 64) and params.order.shape == (64, 4)
    assert all(sorted(row) == [0, 1, 2, 3] for row in params.order.tolist())
    assert len({tuple(row) for row in params.order.tolist()}) > 10  # many of the 24 orders
    # the same factors in two orders: brightness then contrast differs from contrast then brightness
    rgb = torch.full((2, 3, 2, 2), 0.5)
    same = JitterParams(torch.tensor([[0.2, 0.2], [1.2, 1.2], [1.0, 1.0], [0.0, 0.0]]),
                        torch.tensor([[0, 1, 2, 3], [1, 0, 2, 3]]))
    out = apply_color_jitter(rgb, same)
    assert out[0].mean().item() == pytest.approx(min(1.0, 0.7 * 1.2))  # (x + b) * c
    assert out[1].mean().item() == pytest.approx(0.5 * 1.2 + 0.2)  # x * c + b


def test_hue_rotation_keeps_gray_images_gray():
    gray = torch.rand(2, 1, 8, 8).expand(2, 3, 8, 8).contiguous()
    out = color_jitter(gray, 0.2, torch.Generator().manual_seed(1))
    assert (out.max(1).values - out.min(1).values).abs().max() < 1e-4  # still gray: only luminance moved


def test_blur_kernel_is_about_a_tenth_of_the_side_and_odd():
    assert blur_kernel_size(128) == 13 and blur_kernel_size(160) == 15 and blur_kernel_size(512) == 51
    assert all(blur_kernel_size(s) % 2 == 1 for s in range(8, 300))


def test_gaussian_blur_keeps_constants_and_smooths_noise():
    const = torch.full((2, 3, 20, 24), 0.3)
    torch.testing.assert_close(gaussian_blur(const, torch.tensor([0.5, 1.1])), const)
    noise = torch.rand(1, 3, 40, 40)
    assert gaussian_blur(noise, torch.tensor([1.15])).std() < 0.7 * noise.std()


def test_strong_augment_changes_only_images_it_draws_and_round_trips_normalisation():
    rgb = torch.rand(64, 3, 12, 12)
    inputs = normalise(rgb)
    same = strong_augment(inputs, MEAN, STD, strength=0.0, blur=False)
    torch.testing.assert_close(same, inputs, atol=1e-4, rtol=0)
    out = strong_augment(inputs, MEAN, STD, generator=torch.Generator().manual_seed(0))
    changed = ((out - inputs).abs().flatten(1).max(1).values > 1e-3).float().mean()
    # jitter with probability 0.8, blur with 0.5: an image stays as it is with probability 0.1
    assert 0.75 < float(changed) < 0.99
    again = strong_augment(inputs, MEAN, STD, generator=torch.Generator().manual_seed(0))
    assert torch.equal(out, again)
    with pytest.raises(ValueError, match=r'\(N, 3, H, W\)'):
        strong_augment(inputs[:, :1], MEAN, STD)


def test_mic_block_size_is_64_px_at_full_resolution_times_the_resize_factor():
    assert mask_block_size(1.0) == 64 and mask_block_size(0.5) == 32  # MIC: full and half resolution
    assert mask_block_size(1280 / 1914) == 43 and mask_block_size(1 / 2.8) == 23 and mask_block_size(0.001) == 1
    assert mask_block_size(0.5, 5) == 5
    with pytest.raises(ValueError, match='block size'):
        mask_block_size(1.0, 0)
    with pytest.raises(ValueError, match='resize factor'):
        mask_block_size(0.0)


def test_resize_factor_reads_the_samples_scale_factor_not_their_crop():
    gta = SegDataSample(metainfo=dict(scale_factor=(1280 / 1914, 720 / 1052), img_shape=(512, 512),
                                      ori_shape=(1052, 1914)))
    assert resize_factor([gta]) == pytest.approx(math.sqrt(1280 / 1914 * 720 / 1052))
    assert mask_block_size(resize_factor([gta])) == 43
    half = SegDataSample(metainfo=dict(scale_factor=(0.5, 0.5), img_shape=(512, 512), ori_shape=(1024, 2048)))
    assert mask_block_size(resize_factor([half, half])) == 32
    assert resize_factor([SegDataSample(metainfo=dict(img_shape=(64, 64)))]) == 1.0  # not resized: a crop
    assert resize_factor([half, dict(scale_factor=(1.0, 1.0))]) == pytest.approx(0.75)  # the batch's mean
    assert resize_factor(None) == 1.0


def test_block_mask_masks_whole_blocks_at_the_ratio():
    mask = block_mask((50, 36, 44), 8, 0.7, torch.Generator().manual_seed(0))
    assert mask.shape == (50, 1, 36, 44)
    blocks = mask[:, :, :32, :40].unfold(2, 8, 8).unfold(3, 8, 8)  # whole 8x8 blocks
    assert torch.equal(blocks.amax((-1, -2)), blocks.amin((-1, -2)))  # each block all 0 or all 1
    assert 0.65 < 1 - float(mask.mean()) < 0.75
    inputs = torch.randn(50, 3, 36, 44)
    masked = masked_images(inputs, 8, 0.7, torch.Generator().manual_seed(0))
    torch.testing.assert_close(masked, inputs * mask)
    with pytest.raises(ValueError, match='ratio'):
        block_mask((1, 8, 8), 4, 1.0)
