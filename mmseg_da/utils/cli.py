"""Shared pieces of the command-line tools: loading a config and turning bad input into clear errors."""
import contextlib
import os
import os.path as osp
import sys
from typing import Iterator, Optional

from mmengine.config import Config

#: Exceptions that mean "the user's input is wrong" rather than "the code is wrong". Tools print them
#: as one paragraph and exit non-zero; ``MMSEG_DA_DEBUG=1`` shows the full traceback instead.
USER_ERRORS = (FileNotFoundError, NotADirectoryError, KeyError, ValueError, TypeError)


def load_config(path: str, cfg_options: Optional[dict] = None, work_dir: Optional[str] = None) -> Config:
    """Read a config, merge ``--cfg-options`` and set ``work_dir`` the way mmseg's tools do."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file not found: {path!r} (expected a path such as '
                                f'configs/pidnet_s_urban.py)')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
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
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f'{tool}: error: {type(err).__name__}: {message}\n'
              f'(set MMSEG_DA_DEBUG=1 to see the full traceback)', file=sys.stderr)
        sys.exit(1)


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
