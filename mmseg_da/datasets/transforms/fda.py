"""Fourier Domain Adaptation (Yang & Soatto, CVPR 2020) as a pipeline transform."""
import fnmatch
import os
import os.path as osp
from typing import List, Optional, Sequence, Union

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

IMG_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')


def low_freq_mask(height: int, width: int, beta: float) -> np.ndarray:
    """Boolean ``(H, W)`` mask of the low frequencies FDA swaps, in numpy's unshifted FFT layout.

    The window holds the frequencies ``-b..b`` on both axes, ``b = floor(min(H, W) * beta)``: the
    centred ``(2b+1)``-square of the paper on the shifted spectrum. It is symmetric about zero, so
    the swapped spectrum stays Hermitian and the image real.
    """
    b = int(np.floor(min(height, width) * beta))
    rows = np.zeros(height, dtype=bool)
    cols = np.zeros(width, dtype=bool)
    rows[np.r_[0:b + 1, height - b:height]] = True
    cols[np.r_[0:b + 1, width - b:width]] = True
    return rows[:, None] & cols[None, :]


def fda_source_to_target(source: np.ndarray, target: np.ndarray, beta: float) -> np.ndarray:
    """Give ``source`` the low-frequency amplitude of ``target`` (same ``H x W x C``), keep its phase.

    Returns a float64 image (not clipped).
    """
    src_fft = np.fft.fft2(source.astype(np.float64), axes=(0, 1))
    tgt_amp = np.abs(np.fft.fft2(target.astype(np.float64), axes=(0, 1)))
    amp, phase = np.abs(src_fft), np.angle(src_fft)
    mask = low_freq_mask(source.shape[0], source.shape[1], beta)
    amp[mask] = tgt_amp[mask]
    return np.real(np.fft.ifft2(amp * np.exp(1j * phase), axes=(0, 1)))


def list_target_images(target_images: Union[str, Sequence[str]],
                       pattern: Union[str, Sequence[str]] = '*',
                       data_root: Optional[str] = None) -> List[str]:
    """Target image paths from a folder (recursive, filtered by ``pattern``), a list file or a list.

    ``pattern`` is one ``fnmatch`` pattern or several (a file matching any of them is kept).
    A list file holds one image per line (its first whitespace-separated field, so an ``image label``
    list works). Relative paths (the folder or list file itself, and the entries) are joined to
    ``data_root`` when it is given.
    """
    def under_root(path: str) -> str:
        return path if data_root is None or osp.isabs(path) else osp.join(data_root, path)

    if not isinstance(target_images, str):
        return sorted(under_root(p) for p in target_images)
    patterns = [pattern] if isinstance(pattern, str) else list(pattern)
    target_images = under_root(target_images)
    if osp.isdir(target_images):
        paths = []
        for folder, _, files in os.walk(target_images):
            paths += [osp.join(folder, f) for f in files
                      if f.lower().endswith(IMG_EXTENSIONS) and any(fnmatch.fnmatch(f, p) for p in patterns)]
    elif osp.isfile(target_images):
        with open(target_images, encoding='utf-8') as f:
            paths = [under_root(line.split()[0]) for line in f if line.strip()]
    else:
        raise FileNotFoundError(f'FDA: target_images {target_images!r} is neither a folder nor a list file.')
    return sorted(paths)


@TRANSFORMS.register_module()
class FDA(BaseTransform):
    """Replace the low-frequency amplitude spectrum of ``results['img']`` by a random target image's.

    An on-the-fly style transfer with nothing to train: each channel's FFT amplitude inside the
    window of :func:`low_freq_mask` (``beta`` of the shorter side) is taken from a random target
    image (resized to the source's size), the phase is kept. Put it right after
    ``LoadImageFromFile`` in the *source* pipeline, before normalisation.

    Args:
        target_images (str | list[str]): Folder of target images, a ``.txt`` list of them, or a
            list of paths.
        beta (float): Size of the swapped window relative to the shorter side (paper: 0.01).
        pattern (str | list[str]): ``fnmatch`` pattern(s) on file names when ``target_images`` is a
            folder (e.g. ``'0001TP_*.png'``); a file matching any of them is used.
        data_root (str, optional): Prefix of relative paths (``target_images`` and list entries),
            e.g. the target dataset's ``data_root``.
        prob (float): Probability of applying the transfer to an image.
        clip (bool): Clip the result to ``[0, 255]``; uint8 images are always clipped and rounded.
    """

    def __init__(self,
                 target_images: Union[str, Sequence[str]],
                 beta: float = 0.01,
                 pattern: Union[str, Sequence[str]] = '*',
                 data_root: Optional[str] = None,
                 prob: float = 1.0,
                 clip: bool = True) -> None:
        if not 0 <= beta < 0.5:
            raise ValueError(f'FDA: beta must be in [0, 0.5), got {beta}.')
        if not 0 <= prob <= 1:
            raise ValueError(f'FDA: prob must be in [0, 1], got {prob}.')
        self.beta = beta
        self.prob = prob
        self.clip = clip
        self.target_paths = list_target_images(target_images, pattern, data_root)
        if not self.target_paths:
            where = (osp.join(data_root or '', target_images) if isinstance(target_images, str)
                     else 'the given list')
            raise ValueError(f'FDA: no target images in {where!r} (pattern {pattern!r}); the style '
                             'transfer needs at least one.')

    def _load_target(self, height: int, width: int) -> np.ndarray:
        path = self.target_paths[np.random.randint(len(self.target_paths))]
        img = mmcv.imread(path)  # BGR, like LoadImageFromFile
        if img is None:
            raise FileNotFoundError(f'FDA: cannot read target image {path!r}.')
        if img.shape[:2] != (height, width):
            img = mmcv.imresize(img, (width, height), interpolation='bilinear')
        return img

    def transform(self, results: dict) -> dict:
        if self.prob < 1 and np.random.rand() >= self.prob:
            return results
        img = results['img']
        squeeze = img.ndim == 2
        src = img[..., None] if squeeze else img
        tgt = self._load_target(*src.shape[:2])
        if tgt.ndim == 2:
            tgt = tgt[..., None]
        if tgt.shape[2] != src.shape[2]:
            tgt = np.repeat(tgt.mean(axis=2, keepdims=True), src.shape[2], axis=2)
        out = fda_source_to_target(src, tgt, self.beta)
        if self.clip or img.dtype == np.uint8:
            out = np.clip(out, 0, 255)
        if img.dtype == np.uint8:
            out = np.rint(out)
        out = out.astype(img.dtype)
        results['img'] = out[..., 0] if squeeze else out
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(beta={self.beta}, prob={self.prob}, '
                f'n_targets={len(self.target_paths)})')
