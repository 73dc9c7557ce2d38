"""Shared pieces of the command-line tools: loading a config and turning bad input into clear errors."""
import argparse
import contextlib
import logging
import os
import os.path as osp
import re
import sys
import warnings
from typing import Iterator, Optional

from mmengine.config import Config
from mmengine.device import get_device
from mmengine.logging import print_log

from mmseg_da.mmcv_lite import MissingCompiledOpError

from .atomic_files import FileWriteError
from .config_overrides import relocate_data, replace_data_root

#: Exceptions that mean "the user's input (or the machine: a full disk, a diverged run) is wrong" rather
#: than "the code is wrong". Tools print them as one paragraph and exit non-zero; ``MMSEG_DA_DEBUG=1``
#: shows the full traceback instead. ``FloatingPointError``: a training run stopped by NonFiniteLossHook.
USER_ERRORS = (FileNotFoundError, FileExistsError, NotADirectoryError, KeyError, ValueError, TypeError,
               MissingCompiledOpError, FileWriteError, FloatingPointError)

#: Top-level config keys that mmengine's Runner, mmseg and these tools read. Any other top-level key is a
#: variable of the config files (``data_root``, ``crop_size``, ``max_epochs`` ...), already substituted
#: where it was used when the config was parsed: overriding it afterwards changes nothing.
READ_KEYS = frozenset({
    'model', 'work_dir', 'experiment_name', 'train_dataloader', 'val_dataloader', 'test_dataloader',
    'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr', 'optim_wrapper', 'param_scheduler', 'val_evaluator',
    'test_evaluator', 'default_hooks', 'custom_hooks', 'data_preprocessor', 'load_from', 'resume', 'launcher',
    'env_cfg', 'log_processor', 'log_level', 'visualizer', 'default_scope', 'randomness', 'runner_type',
    'model_wrapper_cfg', 'find_unused_parameters', 'sync_bn', 'compile', 'activation_checkpointing',
    'efficient_conv_bn_eval', 'custom_imports', 'tta_model', 'tta_pipeline', 'test_pipeline', 'predict_pipeline',
    'allow_fresh_start', 'pseudo_label_dataset'})


def apply_variable_overrides(cfg: Config, before: dict, cfg_options: dict) -> None:
    """Make an override of a ``*root`` variable reach the datasets that used it; warn about other variables.

    Args:
        cfg: The config after ``merge_from_dict``.
        before: The top-level values of the overridden keys before the merge.
        cfg_options: The overrides.
    """
    for key, value in cfg_options.items():
        top = key.split('.')[0]
        if top in READ_KEYS:
            continue
        if top == key and top.endswith('root') and isinstance(before.get(top), str) and isinstance(value, str):
            if replace_data_root(cfg, before[top], value) == 0:
                warnings.warn(f'--cfg-options {key}={value}: no dataset of the config uses {before[top]!r}',
                              stacklevel=2)
        else:
            warnings.warn(f'--cfg-options {key}=...: `{top}` is a variable of the config files, already '
                          'substituted where the config used it; nothing reads it now, so this override '
                          'changes nothing. Override the setting that uses it (e.g. train_cfg.max_epochs, '
                          'train_dataloader.dataset...); for the data location use --data-root.',
                          stacklevel=2)


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


def load_config(path: str, cfg_options: Optional[dict] = None, work_dir: Optional[str] = None,
                data_root: Optional[str] = None) -> Config:
    """Read a config, merge ``--cfg-options`` and set ``work_dir`` the way mmseg's tools do.

    ``data_root`` (``--data-root``) moves every dataset of the config (source, target, val, test) there, see
    :func:`~mmseg_da.utils.config_overrides.relocate_data`; ``--cfg-options data_root=...`` (or another
    ``*root`` variable) reaches the datasets that used the variable.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file not found: {path!r} (expected a path such as '
                                f'configs/pidnet_s_urban.py)')
    cfg = Config.fromfile(path)
    if cfg_options:
        before = {k.split('.')[0]: cfg.get(k.split('.')[0]) for k in cfg_options}
        cfg.merge_from_dict(cfg_options)
        apply_variable_overrides(cfg, before, cfg_options)
    if data_root is not None:
        if not osp.isdir(data_root):
            raise NotADirectoryError(f'--data-root {data_root!r} is not a folder')
        relocate_data(cfg, data_root)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(path))[0])
    return cfg


def require_file(path: str, what: str) -> str:
    """Return ``path`` if it is a file, else raise an error naming it and what it should be."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} not found: {path!r}')
    return path


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
