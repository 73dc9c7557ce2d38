"""DACS's strong augmentation (colour jitter, Gaussian blur) and MIC's block masks, on normalised tensors."""
import pytest
import torch

from mmseg_da.models.utils.masking import block_mask, mask_block_size, masked_images
from mmseg_da.models.utils.strong_augment import blur_kernel_size, color_jitter, gaussian_blur, strong_augment

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]


def normalise(rgb):
    return (rgb * 255 - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)


def test_zero_strength_jitter_is_the_identity_and_full_strength_changes_colours():
    rgb = torch.rand(3, 3, 16, 16)
    torch.testing.assert_close(color_jitter(rgb, 0.0), rgb, atol=1e-5, rtol=0)
    jittered = color_jitter(rgb, 0.2, torch.Generator().manual_seed(0))
    assert jittered.min() >= 0 and jittered.max() <= 1
    assert (jittered - rgb).abs().mean() > 0.01


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


def test_mic_block_size_scales_with_the_input():
    assert mask_block_size((1024, 2048)) == 64 and mask_block_size((512, 512)) == 32
    assert mask_block_size((128, 160)) == 8 and mask_block_size((8, 8)) == 1
    assert mask_block_size((128, 160), 5) == 5
    with pytest.raises(ValueError, match='block size'):
        mask_block_size((64, 64), 0)


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
