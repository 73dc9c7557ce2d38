"""Stop a diverged training run at the first NaN/inf loss, before a checkpoint of its weights is written."""
import math
from typing import Dict, List, Optional, Tuple

import torch
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from ...apis.checkpoint import describe_non_finite, non_finite_tensors


class NonFiniteLossError(FloatingPointError):
    """Training diverged: a loss term (or a weight about to be saved) is NaN or infinite."""


def non_finite_terms(outputs: Optional[Dict]) -> List[Tuple[str, float]]:
    """``(name, value)`` of the logged loss terms of one training step that are NaN or infinite."""
    bad = []
    for name, value in (outputs or {}).items():
        if isinstance(value, torch.Tensor):
            if value.numel() != 1 or not value.is_floating_point():
                continue
            value = value.detach().item()
        if isinstance(value, float) and not math.isfinite(value):
            bad.append((name, value))
    return bad


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Raise :class:`NonFiniteLossError` as soon as a logged loss term is NaN or infinite.

    A diverged run otherwise trains on, saves checkpoints full of NaN and ends with a table of one
    constant class and exit status 0. After every training step this hook reads the step's logged values
    (``outputs`` of ``train_step``: every loss term, e.g. ``decode.loss_ce``, ``adv.loss_main``, ``loss``)
    and stops at the first non-finite one, naming the iteration (1-based, as the log counts) and the
    terms. It runs before the logger and checkpoint hooks of that iteration, and, with ``check_weights``,
    also refuses any checkpoint whose weights or statistics are not finite (a step can turn the weights
    NaN while its own loss was still finite), so no checkpoint of diverged weights is ever written.

    The schedule bases add it to ``default_hooks`` as ``non_finite_loss``; relax it with
    ``--cfg-options default_hooks.non_finite_loss=None`` (train on regardless) or
    ``default_hooks.non_finite_loss.check_weights=False``.

    Args:
        check_weights (bool): Refuse to save a checkpoint with non-finite weights. Defaults to True.
    """

    priority = 'ABOVE_NORMAL'  # after_train_iter: before the logger (BELOW_NORMAL) and checkpoint (VERY_LOW)

    def __init__(self, check_weights: bool = True) -> None:
        self.check_weights = check_weights

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        bad = non_finite_terms(outputs)
        if not bad:
            return
        terms = ', '.join(f'{name}={value}' for name, value in bad)
        finite = [name for name in (outputs or {}) if name not in dict(bad)]
        raise NonFiniteLossError(
            f'training diverged at iteration {runner.iter + 1} (epoch {runner.epoch + 1}): the loss term(s) '
            f'{terms} are not finite{" (finite: " + ", ".join(finite) + ")" if finite else ""}. Training stopped '
            'before logging or saving this iteration, so no checkpoint of diverged weights was written; the last '
            'checkpoint in the work dir (if any) is from before. Lower the learning rate or a loss weight, fix '
            'the seed (randomness.seed) or check the data; to train on regardless, pass --cfg-options '
            'default_hooks.non_finite_loss=None.')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if not self.check_weights:
            return
        state = checkpoint.get('state_dict') or {}
        bad = non_finite_tensors(state)
        if bad:
            raise NonFiniteLossError(
                f'training diverged by iteration {checkpoint.get("meta", {}).get("iter", runner.iter)}: the model\'s '
                f'{describe_non_finite(bad, len(state))}, so the checkpoint was not saved. Lower the learning '
                'rate or a loss weight, or fix the seed (randomness.seed); to save regardless, pass '
                '--cfg-options default_hooks.non_finite_loss.check_weights=False.')
