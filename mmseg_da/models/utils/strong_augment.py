"""DACS's strong augmentation of the mixed image: colour jitter and Gaussian blur, on normalised tensors.

Facts from DACS (Tranheden et al., WACV 2021) and DAFormer (Hoyer et al., CVPR 2022), which use the same
transform: brightness, contrast, saturation and hue jitter of strength ``s = 0.2``, skipped when a uniform
draw is below ``p = 0.2`` (so applied with probability 0.8: their ``p`` is a skip threshold); a Gaussian blur
with probability 0.5, sigma uniform in [0.15, 1.15] and a kernel of about a tenth of the image side (odd).
Only the image changes; labels and weights are untouched. No kornia/torchvision here (neither is a
dependency of this project), so the four jitters are written on tensors below; the hue shift is a rotation
of the chroma plane in YIQ space, a linear approximation of the HSV hue shift that kornia applies.
"""
import math
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

# ITU-R BT.601 luma and the YIQ transform (RGB in [0, 1])
_LUMA = (0.299, 0.587, 0.114)
_RGB_TO_YIQ = ((0.299, 0.587, 0.114), (0.596, -0.274, -0.322), (0.211, -0.523, 0.312))


def _uniform(n: int, low: float, high: float, generator: Optional[torch.Generator], device) -> Tensor:
    return (torch.rand(n, generator=generator) * (high - low) + low).to(device)


def _gray(rgb: Tensor) -> Tensor:
    weights = rgb.new_tensor(_LUMA).view(1, 3, 1, 1)
    return (rgb * weights).sum(dim=1, keepdim=True)


def _blend(img: Tensor, other: Tensor, factor: Tensor) -> Tensor:
    return (factor * img + (1 - factor) * other).clamp(0, 1)


def _rotate_hue(rgb: Tensor, turns: Tensor) -> Tensor:
    to_yiq = rgb.new_tensor(_RGB_TO_YIQ)
    to_rgb = torch.linalg.inv(to_yiq)
    angle = turns * 2 * math.pi
    cos, sin = torch.cos(angle), torch.sin(angle)
    yiq = torch.einsum('ij,njhw->nihw', to_yiq, rgb)
    i, q = yiq[:, 1], yiq[:, 2]
    c, s = cos.view(-1, 1, 1), sin.view(-1, 1, 1)
    yiq = torch.stack([yiq[:, 0], c * i - s * q, s * i + c * q], dim=1)
    return torch.einsum('ij,njhw->nihw', to_rgb, yiq).clamp(0, 1)


def color_jitter(rgb: Tensor, strength: float = 0.2, generator: Optional[torch.Generator] = None) -> Tensor:
    """Brightness, contrast, saturation and hue jitter of ``(N, 3, H, W)`` RGB images in [0, 1].

    Factors are drawn per image: brightness, contrast and saturation in ``[1 - s, 1 + s]``, hue in
    ``[-s, s]`` turns (as kornia's/torchvision's ``ColorJitter(s, s, s, s)``), applied in that order.
    """
    n, device = rgb.shape[0], rgb.device
    view = (-1, 1, 1, 1)
    brightness = _uniform(n, 1 - strength, 1 + strength, generator, device).view(view)
    rgb = (rgb * brightness).clamp(0, 1)
    contrast = _uniform(n, 1 - strength, 1 + strength, generator, device).view(view)
    rgb = _blend(rgb, _gray(rgb).mean(dim=(2, 3), keepdim=True), contrast)
    saturation = _uniform(n, 1 - strength, 1 + strength, generator, device).view(view)
    rgb = _blend(rgb, _gray(rgb), saturation)
    hue = _uniform(n, -strength, strength, generator, device)
    return _rotate_hue(rgb, hue)


def blur_kernel_size(side: int) -> int:
    """DACS's odd kernel size of about a tenth of ``side`` (at least 3)."""
    tenth = math.ceil(0.1 * side)
    return max(3, int(math.floor(tenth - 0.5 + tenth % 2)))


def gaussian_blur(img: Tensor, sigma: Tensor) -> Tensor:
    """Separable Gaussian blur of ``(N, C, H, W)`` images, one sigma per image, reflect padding."""
    n, c, h, w = img.shape
    out = img
    for dim, side in ((2, h), (3, w)):
        size = max(1, min(blur_kernel_size(side), side - 1 + side % 2))  # odd, at most the side (reflect padding)
        x = torch.arange(size, device=img.device, dtype=img.dtype) - size // 2
        kernel = torch.exp(-x.view(1, -1) ** 2 / (2 * sigma.view(-1, 1).to(img.dtype) ** 2))
        kernel = kernel / kernel.sum(dim=1, keepdim=True)  # (N, size)
        shape = (n * c, 1, size, 1) if dim == 2 else (n * c, 1, 1, size)
        weight = kernel.repeat_interleave(c, dim=0).view(shape)
        pad = (0, 0, size // 2, size // 2) if dim == 2 else (size // 2, size // 2, 0, 0)
        flat = F.pad(out.reshape(1, n * c, h, w), pad, mode='reflect')
        out = F.conv2d(flat, weight, groups=n * c).view(n, c, h, w)
    return out


def strong_augment(inputs: Tensor, mean: Sequence[float], std: Sequence[float], strength: float = 0.2,
                   skip_below: float = 0.2, blur: bool = True,
                   generator: Optional[torch.Generator] = None) -> Tensor:
    """DACS's strong augmentation of normalised ``(N, 3, H, W)`` RGB inputs; returns new normalised inputs.

    Args:
        inputs (Tensor): Images as the data preprocessor gives them: ``(rgb255 - mean) / std``.
        mean (Sequence[float]): The preprocessor's per-channel mean (0-255 scale).
        std (Sequence[float]): The preprocessor's per-channel std (0-255 scale).
        strength (float): Colour jitter strength ``s``.
        skip_below (float): DACS's ``p``: an image is jittered when its uniform draw is above it.
        blur (bool): Blur each image with probability 0.5.
        generator (torch.Generator, optional): Source of randomness (the global one by default).
    """
    if inputs.dim() != 4 or inputs.shape[1] != 3:
        raise ValueError(f'strong_augment: expected (N, 3, H, W) images, got {tuple(inputs.shape)}')
    mean_t = inputs.new_tensor(mean).view(1, -1, 1, 1)
    std_t = inputs.new_tensor(std).view(1, -1, 1, 1)
    rgb = ((inputs.float() * std_t + mean_t) / 255.0).clamp(0, 1)
    n = rgb.shape[0]
    jitter = (torch.rand(n, generator=generator) > skip_below).to(rgb.device).view(-1, 1, 1, 1)
    rgb = torch.where(jitter, color_jitter(rgb, strength, generator), rgb)
    if blur:
        blurred = torch.rand(n, generator=generator) > 0.5
        sigma = torch.rand(n, generator=generator) + 0.15
        rgb = torch.where(blurred.to(rgb.device).view(-1, 1, 1, 1), gaussian_blur(rgb, sigma.to(rgb.device)), rgb)
    return ((rgb * 255.0 - mean_t) / std_t).to(inputs.dtype)
