"""Tiny segmentors with known predictions for the label-free selection tests: one class everywhere, uniform,
sharpened copies, saved as checkpoints."""
from pathlib import Path

import torch


def build_segmentor(config: Path, seed: int = 0) -> torch.nn.Module:
    """The config's deployable segmentor with seeded random weights, in eval mode."""
    from mmseg_da.apis import init_segmentor
    torch.manual_seed(seed)
    segmentor = init_segmentor(str(config))
    segmentor.init_weights()
    return segmentor.eval()


def one_class(segmentor: torch.nn.Module, cls: int = 0) -> torch.nn.Module:
    """Make ``segmentor`` predict ``cls`` everywhere, confidently (classifier weights 0, a large bias)."""
    conv = segmentor.decode_head.conv_seg
    with torch.no_grad():
        conv.weight.zero_()
        conv.bias.zero_()
        conv.bias[cls] = 20.0
    return segmentor


def uniform(segmentor: torch.nn.Module) -> torch.nn.Module:
    """Make ``segmentor`` predict the uniform distribution everywhere."""
    conv = segmentor.decode_head.conv_seg
    with torch.no_grad():
        conv.weight.zero_()
        conv.bias.zero_()
    return segmentor


def sharpened(segmentor: torch.nn.Module, factor: float = 20.0) -> torch.nn.Module:
    """Scale the classifier: the same arg-max, far more confident predictions."""
    conv = segmentor.decode_head.conv_seg
    with torch.no_grad():
        conv.weight.mul_(factor)
        conv.bias.mul_(factor)
    return segmentor


def save_checkpoint(segmentor: torch.nn.Module, path: Path) -> str:
    """A plain segmentor checkpoint (``state_dict`` and meta)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({'state_dict': segmentor.state_dict(), 'meta': {}}, path)
    return str(path)
