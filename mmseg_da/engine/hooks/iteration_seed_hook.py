"""Seed the model's random draws by iteration, so that ``--resume`` continues exactly."""
import random

import numpy as np
import torch
from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class IterationSeedHook(Hook):
    """Reseed torch (CPU and CUDA), numpy and Python from ``(runner.seed, iteration)`` before each iteration.

    mmengine restores weights, optimizers, schedulers and the data position on resume, but not the
    global random generators, whose state also depends on how many draws the dataloaders took (each
    new epoch or validation iterator draws one). The random draws of the training step itself (the
    decode heads' dropout, a method's random mixing) therefore differ after a resume. Seeding every
    iteration from the run's seed (kept in the checkpoint) and the iteration number makes them a
    function of the iteration alone, so a resumed run repeats the uninterrupted one. Augmentation in
    dataloader workers is seeded by mmengine and replays the same sequence; with ``num_workers=0`` it
    runs in this process between iterations and is not covered.
    """

    priority = 'VERY_HIGH'

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        seed = (int(runner.seed) * 1_000_003 + runner.iter) % (2**31 - 1)
        torch.manual_seed(seed)  # also seeds every CUDA device
        np.random.seed(seed)
        random.seed(seed)
