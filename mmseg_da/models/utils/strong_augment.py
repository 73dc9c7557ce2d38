"""DACS's strong augmentation of the mixed image: colour jitter and Gaussian blur, on normalised tensors.

Facts from DACS (Tranheden et al., WACV 2021), DAFormer (Hoyer et al., CVPR 2022) and MIC (Hoyer et al.,
CVPR 2023), which share the transform: kornia's ``ColorJitter(s, s, s, s)`` (DAFormer and MIC pin kornia
0.5.8), skipped when a uniform draw is below ``p = 0.2`` (applied with probability 0.8: their ``p`` is a
skip threshold); DACS's own code uses ``s = 0.25``, DAFormer's and MIC's configs ``s = 0.2``. Then a
Gaussian blur with probability 0.5, sigma uniform in [0.15, 1.15] and a kernel of about a tenth of the
image side (odd). Only the image changes; labels and weights are untouched.

kornia 0.5.8's jitter, on RGB in [0, 1], each factor drawn uniformly and each result clamped to [0, 1]:
brightness *adds* ``b`` in ``[-s, s]``; contrast *multiplies* by ``c`` in ``[1 - s, 1 + s]`` (no blend with
the mean); saturation multiplies the HSV saturation by a factor in ``[1 - s, 1 + s]``; hue shifts the HSV
hue by ``h`` in ``[-s, s]`` turns. The four run in a random order, one order per call; DACS, DAFormer and MIC
call it once per image, so here each image has its own order. Neither kornia nor torchvision is a
dependency of this project, so the four are written on tensors below.
"""
import math
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

#: The order of the four jitters in :class:`JitterParams.order`.
JITTERS = ('brightness', 'contrast', 'saturation', 'hue')


def _uniform(n: int, low: float, high: float, generator: Optional[torch.Generator], device) -> Tensor:
    return (torch.rand(n, generator=generator) * (high - low) + low).to(device)


def rgb_to_hsv(rgb: Tensor, eps: float = 1e-8) -> Tensor:
    """``(N, 3, H, W)`` RGB in [0, 1] to HSV: hue in turns [0, 1), saturation and value in [0, 1]."""
    r, g, b = rgb.unbind(1)
    value, argmax = rgb.max(1)
    chroma = value - rgb.min(1).values
    saturation = chroma / (value + eps)
    safe = torch.where(chroma > 0, chroma, torch.ones_like(chroma))
    hue = torch.stack([(g - b) / safe, (b - r) / safe + 2, (r - g) / safe + 4], 1)
    hue = torch.gather(hue, 1, argmax.unsqueeze(1)).squeeze(1)
    hue = torch.where(chroma > 0, (hue / 6) % 1.0, torch.zeros_like(hue))
    return torch.stack([hue, saturation, value], 1)


def hsv_to_rgb(hsv: Tensor) -> Tensor:
    """The inverse of :func:`rgb_to_hsv` (hue in turns, any real value: taken modulo 1)."""
    hue, saturation, value = hsv.unbind(1)
    sector = (hue % 1.0) * 6
    k = torch.stack([(5 + sector) % 6, (3 + sector) % 6, (1 + sector) % 6], 1)
    ramp = torch.minimum(k, 4 - k).clamp(0, 1)
    return value.unsqueeze(1) - (value * saturation).unsqueeze(1) * ramp


def adjust_brightness(rgb: Tensor, shift: Tensor) -> Tensor:
    """``rgb + shift`` per image, clamped to [0, 1] (kornia 0.5.8: additive)."""
    return (rgb + shift.view(-1, 1, 1, 1)).clamp(0, 1)


def adjust_contrast(rgb: Tensor, factor: Tensor) -> Tensor:
    """``rgb * factor`` per image, clamped to [0, 1] (kornia 0.5.8: a plain product, no mean blend)."""
    return (rgb * factor.view(-1, 1, 1, 1)).clamp(0, 1)


def adjust_saturation(rgb: Tensor, factor: Tensor) -> Tensor:
    """HSV saturation times ``factor`` per image, clamped to [0, 1]."""
    hsv = rgb_to_hsv(rgb)
    saturation = (hsv[:, 1] * factor.view(-1, 1, 1)).clamp(0, 1)
    return hsv_to_rgb(torch.stack([hsv[:, 0], saturation, hsv[:, 2]], 1)).clamp(0, 1)


def adjust_hue(rgb: Tensor, turns: Tensor) -> Tensor:
    """HSV hue shifted by ``turns`` (a full turn is 1) per image; saturation and value are kept."""
    hsv = rgb_to_hsv(rgb)
    hue = (hsv[:, 0] + turns.view(-1, 1, 1)) % 1.0
    return hsv_to_rgb(torch.stack([hue, hsv[:, 1], hsv[:, 2]], 1)).clamp(0, 1)


_ADJUST: List[Callable[[Tensor, Tensor], Tensor]] = [adjust_brightness, adjust_contrast, adjust_saturation,
                                                     adjust_hue]


@dataclass
class JitterParams:
    """The random draws of :func:`color_jitter` for ``N`` images.

    Attributes:
        factors (Tensor): ``(4, N)``: brightness shift, contrast factor, saturation factor, hue shift (turns).
        order (Tensor): ``(N, 4)``: each image's permutation of the four jitters (indices into ``JITTERS``).
    """

    factors: Tensor
    order: Tensor


def draw_jitter_params(n: int, strength: float, generator: Optional[torch.Generator] = None,
                       device=None) -> JitterParams:
    """kornia 0.5.8's ``ColorJitter(s, s, s, s)`` draws for ``n`` images, one order of the four per image."""
    s = float(strength)
    factors = torch.stack([_uniform(n, -s, s, generator, device),
                           _uniform(n, max(0.0, 1 - s), 1 + s, generator, device),
                           _uniform(n, max(0.0, 1 - s), 1 + s, generator, device),
                           _uniform(n, -s, s, generator, device)])
    order = torch.argsort(torch.rand(n, len(JITTERS), generator=generator), dim=1).to(device)
    return JitterParams(factors, order)


def apply_color_jitter(rgb: Tensor, params: JitterParams) -> Tensor:
    """The four jitters of ``params`` on ``(N, 3, H, W)`` RGB in [0, 1], each image in its own order."""
    out = rgb.clone()
    for step in range(len(JITTERS)):
        for index, adjust in enumerate(_ADJUST):
            chosen = (params.order[:, step] == index).nonzero().flatten()
            if chosen.numel():
                out[chosen] = adjust(out[chosen], params.factors[index, chosen].to(out.dtype))
    return out


def color_jitter(rgb: Tensor, strength: float = 0.2, generator: Optional[torch.Generator] = None) -> Tensor:
    """kornia 0.5.8's ``ColorJitter(s, s, s, s)`` of ``(N, 3, H, W)`` RGB images in [0, 1], per image.

    Brightness adds a shift in ``[-s, s]``; contrast multiplies by a factor in ``[1 - s, 1 + s]``;
    saturation scales the HSV saturation by a factor in ``[1 - s, 1 + s]``; hue shifts the HSV hue by
    ``[-s, s]`` turns; each result clamped to [0, 1], the four in a random order per image.
    """
    return apply_color_jitter(rgb, draw_jitter_params(rgb.shape[0], strength, generator, rgb.device))


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
