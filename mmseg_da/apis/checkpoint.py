"""Read checkpoints and load a segmentor's weights from them, strictly and with errors that name the files.

mmengine's ``load_from`` loads non-strictly: a checkpoint of another model is scored with unloaded
weights and exit code 0. Everything here refuses a missing, unexpected or differently shaped tensor, and
NaN or infinite weights (a diverged run's checkpoint would otherwise be scored as one constant class).
"""
import os.path as osp
import pickle
import zipfile
from typing import Dict, List, Mapping, Optional, Tuple

import torch
from mmengine.runner.checkpoint import _load_checkpoint
from torch import nn

from .checkpoint_download import cached_checkpoint, is_url

#: What a DDP wrapper and an adaptation model put in front of the segmentor's own keys.
WRAPPER_PREFIX = 'module.'
SEGMENTOR_PREFIX = 'segmentor.'
#: How many offending keys an error message lists.
SHOWN = 4


class CheckpointMismatchError(ValueError):
    """A checkpoint does not hold exactly the weights of the config's segmentor."""


class NonFiniteWeightsError(ValueError):
    """A checkpoint (or a model about to be saved) holds NaN or infinite weights."""


def non_finite_tensors(state: Mapping[str, object]) -> List[Tuple[str, int, int]]:
    """``(name, non-finite values, values)`` of every floating-point tensor of ``state`` with a NaN or inf."""
    bad = []
    for name, value in state.items():
        if isinstance(value, torch.Tensor) and value.is_floating_point():
            count = int((~torch.isfinite(value.detach())).sum())
            if count:
                bad.append((name, count, value.numel()))
    return bad


def describe_non_finite(bad: List[Tuple[str, int, int]], total: int) -> str:
    """``'418 of 497 tensors hold NaN/inf values, the first backbone.conv1.weight (12 of 864 values)'``."""
    name, count, numel = bad[0]
    return (f'{len(bad)} of its {total} tensors hold NaN or infinite values, the first {name} ({count} of '
            f'{numel} values)')


def check_finite_state(state: Mapping[str, object], checkpoint: str) -> None:
    """Refuse weights with NaN or infinite values: the error names ``checkpoint`` and the first bad tensor.

    Raises:
        NonFiniteWeightsError: If any floating-point tensor holds a NaN or inf.
    """
    bad = non_finite_tensors(state)
    if bad:
        raise NonFiniteWeightsError(
            f'checkpoint {checkpoint!r} is unusable: {describe_non_finite(bad, len(state))}. The run that wrote '
            'it diverged (its losses became NaN/inf); scores of these weights are meaningless. Use an earlier '
            'checkpoint of the run, or train again (a lower learning rate, or a fixed randomness.seed).')


def unreadable_checkpoint_error(checkpoint: str, err: BaseException) -> ValueError:
    """The error for a checkpoint that torch cannot load: refused by safe loading, truncated or not a checkpoint."""
    first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    if isinstance(err, pickle.UnpicklingError):  # also what weights_only refusals raise
        return ValueError(f'checkpoint {checkpoint!r} could not be read safely: {first_line} (a checkpoint written '
                          'by mmseg-da/mmengine holds only tensors, numbers and logged values; one re-saved by a '
                          'plain torch.save outside mmseg-da pickles objects that safe loading refuses: save it '
                          'again with mmseg-da imported, or export its weights with tools/export_segmentor.py)')
    size = osp.getsize(checkpoint) if osp.isfile(checkpoint) else 0
    return ValueError(f'checkpoint {checkpoint!r} ({size} bytes) is not a readable torch checkpoint: it is '
                      f'truncated (e.g. a save that was killed) or not a checkpoint at all '
                      f'({type(err).__name__}: {first_line})')


def read_checkpoint(checkpoint: str) -> dict:
    """Load ``checkpoint`` (a path or an mmengine URL such as ``https://``) on the CPU.

    Safe loading stays on (``mmseg_da`` allow-lists what mmengine's checkpoints hold); an ``http(s)://``
    checkpoint is downloaded into torch's hub cache first and read as a local file
    (:mod:`mmseg_da.apis.checkpoint_download`).

    Raises:
        FileNotFoundError: If a local file does not exist.
        ValueError: If it is truncated, not a torch checkpoint, holds objects safe loading refuses, or its
            download fails.
    """
    if '://' not in checkpoint and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint file not found: {checkpoint!r}')
    local = cached_checkpoint(checkpoint) if is_url(checkpoint) else checkpoint
    try:
        ckpt = _load_checkpoint(local, map_location='cpu')
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, OSError) as err:
        if isinstance(err, (FileNotFoundError, PermissionError)):
            raise
        raise unreadable_checkpoint_error(local, err) from err  # a URL: its cached copy, to delete
    if not isinstance(ckpt, dict):
        raise ValueError(f'checkpoint {checkpoint!r} holds a {type(ckpt).__name__}, not a dict of weights')
    return ckpt


def checkpoint_state_dict(ckpt: dict) -> Dict[str, torch.Tensor]:
    """The weights of a loaded checkpoint (``state_dict`` or the dict itself), without a DDP prefix."""
    state = ckpt.get('state_dict', ckpt)
    if state and all(k.startswith(WRAPPER_PREFIX) for k in state):
        state = {k[len(WRAPPER_PREFIX):]: v for k, v in state.items()}
    return state


def _listed(keys: List[str]) -> str:
    more = f' and {len(keys) - SHOWN} more' if len(keys) > SHOWN else ''
    return ', '.join(keys[:SHOWN]) + more


def segmentor_state_dict(state: Dict[str, torch.Tensor], segmentor: nn.Module, checkpoint: str = 'checkpoint',
                         config: str = 'the config') -> Dict[str, torch.Tensor]:
    """The segmentor's weights in ``state``, checked strictly against ``segmentor``.

    A plain segmentor checkpoint is used whole; an adaptation checkpoint (keys under ``segmentor.``)
    gives its segmentor, and its teacher and discriminators are ignored.

    Raises:
        CheckpointMismatchError: On missing or unexpected keys, or tensors of another shape, with a
            message naming the checkpoint, the config and the first offending keys.
    """
    adaptation = any(k.startswith(SEGMENTOR_PREFIX) for k in state)
    if adaptation:
        state = {k[len(SEGMENTOR_PREFIX):]: v for k, v in state.items() if k.startswith(SEGMENTOR_PREFIX)}
    expected = segmentor.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    mismatched = [f'{k} {tuple(state[k].shape)} vs {tuple(v.shape)}' for k, v in expected.items()
                  if k in state and hasattr(state[k], 'shape') and tuple(state[k].shape) != tuple(v.shape)]
    if missing or unexpected or mismatched:
        kind = 'adaptation (segmentor.*)' if adaptation else 'plain segmentor'
        problems = []
        if mismatched:
            problems.append(f'{len(mismatched)} tensors differ in shape (checkpoint vs config): '
                            f'{_listed(mismatched)}')
        if missing:
            problems.append(f'{len(missing)} of the config\'s {len(expected)} tensors are missing: {_listed(missing)}')
        if unexpected:
            problems.append(f'{len(unexpected)} tensors are not in the config\'s model: {_listed(unexpected)}')
        raise CheckpointMismatchError(
            f'checkpoint {checkpoint!r} ({kind} weights) does not match the segmentor of {config} '
            f'({type(segmentor).__name__}): {"; ".join(problems)}. Is it a checkpoint of this config '
            f'(same model, same number of classes)?')
    return {k: state[k] for k in expected}


def load_segmentor_checkpoint(segmentor: nn.Module, checkpoint: str,
                              config: str = 'the config') -> Optional[dict]:
    """Load ``checkpoint``'s segmentor weights strictly into ``segmentor``; return its ``dataset_meta``.

    Args:
        segmentor: A plain (deployable) mmseg segmentor; see
            :func:`mmseg_da.models.utils.deployable.deployable_segmentor`.
        checkpoint: A plain, exported or adaptation checkpoint (path or URL).
        config: How to name the config in errors (its file name).

    Returns:
        The checkpoint's ``meta['dataset_meta']`` (classes, palette) if it has one.

    Raises:
        CheckpointMismatchError: If the weights do not match the segmentor.
        NonFiniteWeightsError: If a weight or statistic is NaN or infinite (a diverged run's checkpoint).
    """
    ckpt = read_checkpoint(checkpoint)
    weights = segmentor_state_dict(checkpoint_state_dict(ckpt), segmentor, checkpoint, config)
    check_finite_state(weights, checkpoint)
    segmentor.load_state_dict(weights, strict=True)
    meta = (ckpt.get('meta') or {}).get('dataset_meta')
    return dict(meta) if meta else None
