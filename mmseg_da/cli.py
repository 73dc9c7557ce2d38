"""Shared pieces of the command-line tools (``tools/``): turning bad input into clear errors, the options the
inference tools share, and the settings of ``--launcher`` and ``--amp``. Only the tools import this module;
config loading is :func:`mmseg_da.config.loading.load_config`, file checks :mod:`mmseg_da.fileio`."""
import argparse
import contextlib
import logging
import os
import re
import sys
from typing import Iterator

from mmengine.config import Config
from mmengine.device import get_device
from mmengine.logging import print_log

from mmseg_da.fileio.atomic_files import FileWriteError
from mmseg_da.mmcv_lite import MissingCompiledOpError

#: Exceptions that mean "the user's input (or the machine: a full disk, a diverged run) is wrong" rather
#: than "the code is wrong". Tools print them as one paragraph and exit non-zero; ``MMSEG_DA_DEBUG=1``
#: shows the full traceback instead. ``FloatingPointError``: a training run stopped by NonFiniteLossHook.
USER_ERRORS = (FileNotFoundError, FileExistsError, NotADirectoryError, KeyError, ValueError, TypeError,
               MissingCompiledOpError, FileWriteError, FloatingPointError)

#: How torch re-raises an exception of a DataLoader worker: the worker's traceback inside the message.
_WORKER_ERROR = re.compile(r'Caught (\w+) in DataLoader worker process \d+\.\nOriginal Traceback')


def user_message(err: BaseException) -> str:
    """The message of a user error, without the worker traceback torch wraps around a DataLoader worker's."""
    message = str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)
    match = _WORKER_ERROR.match(message)
    if match:
        finals = list(re.finditer(rf'^(?:[\w.]+\.)?{match.group(1)}: ', message, re.M))
        if finals:
            message = message[finals[-1].end():].strip()
    return message


@contextlib.contextmanager
def clear_errors(tool: str) -> Iterator[None]:
    """Print user errors as one paragraph and exit with status 1 (no bare traceback)."""
    try:
        yield
    except USER_ERRORS as err:
        if os.environ.get('MMSEG_DA_DEBUG'):
            raise
        message = user_message(err)
        print(f'{tool}: error: {type(err).__name__}: {message}\n'
              f'(set MMSEG_DA_DEBUG=1 to see the full traceback)', file=sys.stderr)
        sys.exit(1)


def add_inference_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every inference tool shares: --device, --batch-size, --data-root, --cfg-options."""
    import torch
    from mmengine.config import DictAction
    parser.add_argument('--device', default='cuda:0' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--batch-size', type=int, default=1, help='images per forward pass')
    parser.add_argument('--data-root', help='folder of the config\'s dataset(s), instead of the config\'s data_root')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings')


def set_launcher(cfg: Config, launcher: str) -> None:
    """Record the launcher, and make ``--launcher pytorch`` work without CUDA (gloo on CPU).

    mmengine 0.10.7 calls ``torch.cuda.set_device`` while it initialises a ``pytorch`` launch and passes
    ``device_ids`` to its DDP wrappers, both of which fail without CUDA. On a CPU-only machine we
    initialise the gloo process group ourselves (mmengine then skips its own initialisation) and pick
    the CPU-capable subclasses of mmengine's wrappers.
    """
    cfg.launcher = launcher
    import torch
    if launcher != 'pytorch' or torch.cuda.is_available():
        return
    import datetime

    import torch.distributed as dist
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    if dist_cfg.get('backend', 'nccl') == 'nccl':
        dist_cfg['backend'] = 'gloo'
    if not dist.is_initialized():
        timeout = datetime.timedelta(seconds=dist_cfg.get('timeout', 1800))
        dist.init_process_group(backend=dist_cfg['backend'], timeout=timeout)
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    cpu_types = {'MMDistributedDataParallel': 'CPUDistributedDataParallel',
                 'MMSeparateDistributedDataParallel': 'CPUSeparateDistributedDataParallel'}
    wrapper['type'] = cpu_types.get(wrapper.get('type', 'MMDistributedDataParallel'), wrapper.get('type'))
    cfg.model_wrapper_cfg = wrapper


def enable_amp(cfg: Config) -> None:
    """Switch the optimizer wrapper(s) to ``AmpOptimWrapper``.

    mmseg's own tool only handles a single ``OptimWrapper``; adaptation configs build an
    ``OptimWrapperDict`` through a constructor, with one sub-config per submodule, each switched here.
    """
    if get_device() == 'cpu':  # mmengine's AmpOptimWrapper would stop with a bare assertion
        raise ValueError('--amp: automatic mixed precision trains in float16 with dynamic loss scaling on a '
                         'GPU (mmengine\'s AmpOptimWrapper), but this machine has no CUDA device '
                         '(torch.cuda.is_available() is False); train without --amp on CPU')
    wrapper = cfg.optim_wrapper
    if 'constructor' in wrapper and 'optimizer' not in wrapper:
        subs = {k: v for k, v in wrapper.items() if isinstance(v, dict) and 'optimizer' in v}
        if not subs:
            raise ValueError('--amp: optim_wrapper has a constructor but no sub-wrapper with an optimizer')
    else:
        subs = {'optim_wrapper': wrapper}
    for name, sub in subs.items():
        kind = sub.get('type', 'OptimWrapper')
        if kind == 'AmpOptimWrapper':
            print_log(f'AMP is already enabled for {name}.', logger='current', level=logging.WARNING)
        elif kind != 'OptimWrapper':
            raise ValueError(f'--amp supports OptimWrapper sub-wrappers, but {name} has type {kind!r}')
        else:
            sub['type'] = 'AmpOptimWrapper'
            sub['loss_scale'] = 'dynamic'
