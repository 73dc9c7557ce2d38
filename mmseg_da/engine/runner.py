"""mmengine's Runner with atomic checkpoint files, a strict ``--resume`` and data workers a resume can replay."""
import copy
import os.path as osp
import pickle
import random
import zipfile
from typing import Callable, Dict, Optional, Union

import numpy as np
import torch
from mmengine.dist import get_rank, is_main_process, master_only
from mmengine.fileio import get_file_backend
from mmengine.fileio.backends import LocalBackend
from mmengine.hooks import Hook
from mmengine.runner import BaseLoop, EpochBasedTrainLoop, Runner
from mmseg.registry import LOOPS, RUNNERS
from torch import nn

from mmseg_da.fileio.atomic_files import remove_stale_temporaries, replace_atomically


def checkpoint_problem(path: str) -> Optional[str]:
    """Why the checkpoint file ``path`` cannot be resumed from, or None if it is a complete file.

    torch saves zip archives, whose central directory is written last: a file cut short has none, and
    ``testzip`` also checks every member's CRC (a cheap read next to loading the tensors).
    """
    if not osp.isfile(path):
        return 'the file does not exist'
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        return (f'it is not a complete checkpoint ({osp.getsize(path)} bytes, {type(err).__name__}: {err}); '
                'it was probably cut short by a kill or a full disk during saving')
    if bad is not None:
        return f'its member {bad!r} is corrupt (CRC mismatch)'
    return None


@RUNNERS.register_module()
class DARunner(Runner):
    """The project's runner (``runner_type='DARunner'``): mmengine's Runner, with three guarantees.

    * **Atomic checkpoints.** Every :meth:`save_checkpoint` (periodic, best, any hook's) writes a temporary
      file in the same folder and renames it into place, so a kill during a save never leaves a partial
      file under a checkpoint's name. (``AtomicCheckpointHook`` also updates ``last_checkpoint`` only
      after the file is complete, and removes outdated checkpoints only after that.) A failed save (full
      disk, read-only folder) stops with a :class:`~mmseg_da.fileio.atomic_files.FileWriteError` naming the
      file; temporary files of a killed save are removed from the work dir when training starts again.
    * **A strict resume.** ``resume=True`` continues the run from the work dir's ``last_checkpoint``, and
      ``resume='path/to/iter_N.pth'`` from that file; ``load_from`` only initialises fresh runs (in an
      adaptation config it is the warm-up checkpoint, whose iteration counter and optimizer must not be
      resumed). A missing ``last_checkpoint``, or a missing or incomplete checkpoint file, stops with an
      error naming the file, unless the config sets ``allow_fresh_start=True`` (``tools/train.py
      --resume-or-fresh``): then, with no intact ``last_checkpoint``, the run starts afresh with a warning.
      A checkpoint torch's safe loading refuses (e.g. re-saved without the plugin) or one with NaN/inf
      weights is refused as ``load_from`` refuses it; resuming without a fixed ``randomness.seed`` warns
      that the resumed batches differ from an uninterrupted run's.
    * **Replayable data workers.** Persistent dataloader workers keep random states across epochs that no
      checkpoint can hold, so an epoch-based training loop gets non-persistent workers, seeded by
      :func:`seed_worker` from torch's seed for them; with ``IterationSeedHook``, the workers of each
      epoch then draw from states fixed by the seed and the iteration (and differing between epochs), so a
      resumed run repeats the uninterrupted one. Iteration-based loops replay the dataloader on resume and
      keep their workers.
    """

    atomic_checkpoints = True

    def register_default_hooks(self, hooks: Optional[Dict[str, Union[Hook, dict, None]]] = None) -> None:
        """mmengine's default hooks; ``None`` switches off any of them, the project's own ones too.

        mmengine accepts ``None`` only for its six built-in names (``default_hooks.timer=None``); the project's
        schedules add ``iteration_seed``, ``val_mask_check`` and ``non_finite_loss``, which
        ``--cfg-options default_hooks.<name>=None`` switches off here the same way.
        """
        if hooks is not None:
            off = [name for name, hook in hooks.items() if hook is None and name not in _MMENGINE_DEFAULT_HOOKS]
            if off:
                self.logger.warning(f'default_hooks: {", ".join(off)} switched off (set to None)')
            hooks = {name: hook for name, hook in hooks.items() if name not in off}
        super().register_default_hooks(hooks)

    @master_only
    def save_checkpoint(self, out_dir: str, filename: str, file_client_args: Optional[dict] = None,
                        save_optimizer: bool = True, save_param_scheduler: bool = True,
                        meta: Optional[dict] = None, by_epoch: bool = True,
                        backend_args: Optional[dict] = None) -> None:
        kwargs = dict(file_client_args=file_client_args, save_optimizer=save_optimizer,
                      save_param_scheduler=save_param_scheduler, meta=meta, by_epoch=by_epoch,
                      backend_args=backend_args)
        if file_client_args is not None or not isinstance(
                get_file_backend(out_dir, backend_args=backend_args), LocalBackend):
            return super().save_checkpoint(out_dir, filename, **kwargs)  # remote storage: as mmengine
        replace_atomically(
            osp.join(out_dir, filename),
            lambda tmp: super(DARunner, self).save_checkpoint(osp.dirname(tmp), osp.basename(tmp), **kwargs))

    def train(self) -> nn.Module:
        if is_main_process():
            for path in remove_stale_temporaries(self.work_dir):
                self.logger.warning(f'removed {path}: the temporary file of a save that was killed')
        return super().train()

    def load_checkpoint(self, filename: str, map_location: Union[str, Callable] = 'cpu', strict: bool = False,
                        revise_keys: list = [(r'^module.', '')]):  # noqa: B006  (mmengine's signature)
        """mmengine's loader (used by ``resume``), with the strict loader's errors: an unreadable or re-saved
        checkpoint, or one with NaN/inf weights, is refused with a message naming the file."""
        from mmseg_da.apis.checkpoint import check_finite_state, unreadable_checkpoint_error
        try:
            checkpoint = super().load_checkpoint(filename, map_location=map_location, strict=strict,
                                                 revise_keys=revise_keys)
        except (pickle.UnpicklingError, EOFError, zipfile.BadZipFile) as err:
            raise unreadable_checkpoint_error(filename, err) from err
        except RuntimeError as err:
            if 'state_dict' in str(err):  # a model mismatch: mmengine's own message is clear
                raise
            raise unreadable_checkpoint_error(filename, err) from err
        check_finite_state(checkpoint.get('state_dict', {}), filename)
        return checkpoint

    def resume(self, filename: str, resume_optimizer: bool = True, resume_param_scheduler: bool = True,
               map_location: Union[str, Callable] = 'default') -> None:
        fixed_seed = self._randomness_cfg.get('seed') is not None
        super().resume(filename, resume_optimizer, resume_param_scheduler, map_location)
        if not fixed_seed:
            self.logger.warning(
                f'resume: the config fixes no randomness.seed, so this resume is not exact: the run\'s seed '
                f'({self.seed}, restored from {filename}) reaches the model and the random streams, but the '
                'training data sampler and workers were set up with a fresh random seed before the checkpoint '
                'was read, so the batches (and the losses) differ from those of an uninterrupted run. For an '
                f'exact resume pass --cfg-options randomness.seed={self.seed} (and fix the seed of new runs).')

    def load_or_resume(self) -> None:
        if self._has_loaded:
            return
        if self._resume:
            checkpoint = self._checkpoint_to_resume()
            if checkpoint is not None:
                self.logger.info(f'Resuming from the checkpoint {checkpoint}.')
                self.resume(checkpoint)
                self._has_loaded = True
                return
        if self._load_from is not None:  # initialises a fresh run
            self.load_segmentor_weights(self._load_from)
            self._has_loaded = True

    def load_segmentor_weights(self, checkpoint: str) -> None:
        """``load_from``: the segmentor's weights from a plain, exported or adaptation checkpoint, strictly.

        mmengine's ``load_from`` is not strict (a checkpoint of another model trains from unloaded weights)
        and does not map a plain checkpoint into an adaptation model. Here the deployable segmentor gets
        exactly the checkpoint's segmentor weights; discriminators start afresh, and a mean teacher copies
        the student at its first update. Optimizers, schedulers and the iteration are not restored.
        """
        from mmseg_da.apis import load_segmentor_checkpoint
        from mmseg_da.models.utils.deployable import deployable_segmentor
        load_segmentor_checkpoint(deployable_segmentor(self.model), checkpoint, repr(self.cfg.filename or 'config'))
        self.logger.info(f'Loaded the segmentor weights of {checkpoint} (strict; optimizer and iteration not '
                         'restored)')

    def _checkpoint_to_resume(self) -> Optional[str]:
        """The checkpoint to resume from; an error naming the file (or None for an allowed fresh start)."""
        if isinstance(self._resume, str):  # an explicit path
            reason = checkpoint_problem(self._resume)
            if reason is None:
                return self._resume
            error = FileNotFoundError if not osp.isfile(self._resume) else ValueError
            raise error(f'resume: cannot resume from the checkpoint {self._resume!r}: {reason}. Nothing was '
                        'trained.')
        pointer = osp.join(self.work_dir, 'last_checkpoint')
        if not osp.isfile(pointer):
            problem = (f'resume: the work dir {self.work_dir!r} has no last_checkpoint file (no checkpoint '
                       'was ever completed there)')
            error = FileNotFoundError
        else:
            with open(pointer) as f:
                checkpoint = f.read().strip()
            reason = checkpoint_problem(checkpoint)
            if reason is None:
                return checkpoint
            problem = f'resume: {pointer} names the checkpoint {checkpoint!r}, but {reason}'
            error = FileNotFoundError if not osp.isfile(checkpoint) else ValueError
        if self.cfg.get('allow_fresh_start', False):
            self.logger.warning(f'{problem}; starting a fresh run as asked (--resume-or-fresh).')
            return None
        raise error(f'{problem}. Nothing was trained. Check --work-dir, give an intact checkpoint of this run '
                    'to --resume, or pass --resume-or-fresh to start from scratch when no intact checkpoint '
                    'exists.')

    def build_train_loop(self, loop: Union[BaseLoop, dict]) -> BaseLoop:
        loader = self._train_dataloader
        if (isinstance(loop, dict) and _is_epoch_based(loop) and isinstance(loader, dict)
                and loader.get('num_workers', 0) > 0):
            loader = dict(copy.copy(loader))
            # mmengine seeds every worker from (seed, rank, worker id) alone: non-persistent workers would
            # repeat the same draws every epoch
            loader.setdefault('worker_init_fn', dict(type=seed_worker, rank=get_rank()))
            if loader.get('persistent_workers', False):
                loader['persistent_workers'] = False
                self.logger.info('train_dataloader.persistent_workers=False: persistent workers would carry '
                                 'random states across epochs that a checkpoint cannot hold, and a resumed '
                                 'run would draw differently from an uninterrupted one.')
            self._train_dataloader = loader
        return super().build_train_loop(loop)


#: The default hooks mmengine itself switches off when set to None.
_MMENGINE_DEFAULT_HOOKS = frozenset(
    {'runtime_info', 'timer', 'sampler_seed', 'logger', 'param_scheduler', 'checkpoint'})


def seed_worker(worker_id: int, rank: int) -> None:
    """Seed a dataloader worker's torch, numpy and ``random`` from torch's seed for it and the rank.

    torch seeds worker ``worker_id`` with ``base_seed + worker_id``, the base seed being drawn from the main
    process's generator when the workers start (each epoch, for non-persistent workers), which
    ``IterationSeedHook`` seeds from the run's seed and the iteration.
    """
    seed = int(np.random.SeedSequence([torch.initial_seed(), rank]).generate_state(1)[0])
    np.random.seed(seed)
    random.seed(seed)
    torch.manual_seed(seed)


def _is_epoch_based(loop: dict) -> bool:
    if 'type' in loop:
        loop_cls = LOOPS.get(loop['type']) if isinstance(loop['type'], str) else loop['type']
        return isinstance(loop_cls, type) and issubclass(loop_cls, EpochBasedTrainLoop)
    return bool(loop.get('by_epoch', 'max_epochs' in loop))
