"""Seed every random draw of training by iteration, so that ``--resume`` continues exactly."""
import random
from typing import Callable, Iterator

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.runner import IterBasedTrainLoop
from mmseg.registry import HOOKS

_DATA, _STEP = 1, 0  # the two streams: fetching iteration i's batch, and iteration i's training step


def seed_everything(seed: int) -> None:
    """Seed torch (CPU and every CUDA device), numpy's global generator and Python's ``random``."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def iteration_seed(run_seed: int, iteration: int, stream: int) -> int:
    """A 31-bit seed for ``stream`` at ``iteration`` of the run seeded ``run_seed``."""
    if stream == _STEP:  # the formula of the first version (keeps the training steps of earlier runs)
        return (int(run_seed) * 1_000_003 + iteration) % (2**31 - 1)
    return int(np.random.SeedSequence([int(run_seed) % 2**32, iteration, stream]).generate_state(1)[0] >> 1)


class _SeedBeforeFetch:
    """Wrap a dataloader iterator: seed the data stream of batch ``i`` right before fetching it."""

    def __init__(self, iterator: Iterator, seed: Callable[[int], None]) -> None:
        self._iterator = iterator
        self._seed = seed
        self._count = 0

    def __iter__(self) -> '_SeedBeforeFetch':
        return self

    def __next__(self):
        self._seed(self._count)
        self._count += 1
        return next(self._iterator)


@HOOKS.register_module()
class IterationSeedHook(Hook):
    """Make every random draw of training a function of ``(runner.seed, iteration)``.

    mmengine restores weights, optimizers, schedulers and the data position on resume, but not the
    global random generators, whose state also depends on everything drawn before (each dataloader
    iterator, e.g. a validation's, draws a base seed from torch; augmentation with ``num_workers=0``
    draws in this process). This hook reseeds torch, numpy and Python

    * before each training step, from (seed, iteration): dropout, a method's random mixing;
    * before each batch is fetched, from (seed, iteration, data stream): augmentation and the
      ``UDADataset`` target draws when ``num_workers=0``, and the base seed that each epoch's new
      dataloader workers are seeded from (which ``UDADataset`` draws its worker targets from).

    Batch ``i`` is fetched after ``after_train_iter`` of iteration ``i - 1`` or ``before_train_epoch``
    (epoch-based loops); an iteration-based loop fetches the skipped batches again on resume, so its
    dataloader iterator is wrapped to seed right before each fetch. A resumed run then repeats the
    uninterrupted one, given the same seed (kept in the checkpoint) and workers that start with each
    epoch (:class:`~mmseg_da.engine.runner.DARunner` makes epoch-based workers non-persistent).
    The schedule bases add it to ``default_hooks`` as ``iteration_seed``.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        loop = runner.train_loop
        if isinstance(loop, IterBasedTrainLoop) and not isinstance(loop.dataloader_iterator, _SeedBeforeFetch):
            loop.dataloader_iterator = _SeedBeforeFetch(
                loop.dataloader_iterator, lambda i: seed_everything(iteration_seed(runner.seed, i, _DATA)))

    def before_train_epoch(self, runner) -> None:
        seed_everything(iteration_seed(runner.seed, runner.iter, _DATA))

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        seed_everything(iteration_seed(runner.seed, runner.iter, _STEP))

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        seed_everything(iteration_seed(runner.seed, runner.iter + 1, _DATA))
