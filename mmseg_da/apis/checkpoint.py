"""Read checkpoints and load a segmentor's weights from them, strictly and with errors that name the files.

mmengine's ``load_from`` loads non-strictly: a checkpoint of another model is scored with unloaded
weights and exit code 0. Everything here refuses a missing, unexpected or differently shaped tensor.
"""
import os.path as osp
import pickle
import zipfile
from typing import Dict, List, Optional

import torch
from mmengine.runner.checkpoint import _load_checkpoint
from torch import nn

#: What a DDP wrapper and an adaptation model put in front of the segmentor's own keys.
WRAPPER_PREFIX = 'module.'
SEGMENTOR_PREFIX = 'segmentor.'
#: How many offending keys an error message lists.
SHOWN = 4


class CheckpointMismatchError(ValueError):
    """A checkpoint does not hold exactly the weights of the config's segmentor."""


def read_checkpoint(checkpoint: str) -> dict:
    """Load ``checkpoint`` (a path or an mmengine URL such as ``https://``) on the CPU.

    Safe loading stays on (``mmseg_da`` allow-lists what mmengine's checkpoints hold).

    Raises:
        FileNotFoundError: If a local file does not exist.
        ValueError: If it is truncated, not a torch checkpoint, or holds objects safe loading refuses.
    """
    if '://' not in checkpoint and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint file not found: {checkpoint!r}')
    try:
        ckpt = _load_checkpoint(checkpoint, map_location='cpu')
    except pickle.UnpicklingError as err:  # also what weights_only refusals raise
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f'checkpoint {checkpoint!r} could not be read safely: {first_line} (a checkpoint '
                         'written by mmseg-da/mmengine holds only tensors, numbers and logged values)') from err
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError) as err:
        if isinstance(err, (FileNotFoundError, PermissionError)):
            raise
        size = osp.getsize(checkpoint) if osp.isfile(checkpoint) else 0
        raise ValueError(f'checkpoint {checkpoint!r} ({size} bytes) is not a readable torch checkpoint: it is '
                         f'truncated (e.g. a save that was killed) or not a checkpoint at all '
                         f'({type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ""})'
                         ) from err
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
        segmentor: A plain (deployable) mmseg segmentor; see :func:`mmseg_da.utils.deployable_segmentor`.
        checkpoint: A plain, exported or adaptation checkpoint (path or URL).
        config: How to name the config in errors (its file name).

    Returns:
        The checkpoint's ``meta['dataset_meta']`` (classes, palette) if it has one.
    """
    ckpt = read_checkpoint(checkpoint)
    weights = segmentor_state_dict(checkpoint_state_dict(ckpt), segmentor, checkpoint, config)
    segmentor.load_state_dict(weights, strict=True)
    meta = (ckpt.get('meta') or {}).get('dataset_meta')
    return dict(meta) if meta else None
