"""Helpers shared by the tests: the repository root, the shared real data, running tools, small configs."""
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_root() -> Path:
    """``../shared/data`` beside the repository (override with MMSEG_DA_SHARED_DATA)."""
    return Path(os.environ.get('MMSEG_DA_SHARED_DATA', REPO_ROOT.parent / 'shared' / 'data'))

def run_tool(script: str, *args: str, check: bool = True, env: dict = None,
             timeout: float = 600) -> subprocess.CompletedProcess:
    """Run one of the repository's tools with this interpreter; return the completed process."""
    full_env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1', **(env or {}))
    proc = subprocess.run([sys.executable, str(REPO_ROOT / script), *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, env=full_env, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{script} {" ".join(args)} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}')
    return proc

def small_config(config: str, out_dir: Path, data_root: Path, size: int = 32, length: int = 2,
                 batch_size: int = 2, **overrides) -> Path:
    """Dump the project's ``config`` shrunk to a tiny run (size, length, batch, data root) and return its path."""
    from mmengine.config import Config

    from mmseg_da.utils.config_overrides import (set_data_root, set_image_size, set_schedule_length,
                                                 train_from_scratch)
    cfg = Config.fromfile(str(REPO_ROOT / config))
    set_data_root(cfg, str(data_root))
    set_image_size(cfg, size, size)
    set_schedule_length(cfg, length)
    train_from_scratch(cfg)
    cfg.train_dataloader.batch_size = batch_size
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].num_workers = 0
        cfg[loader].persistent_workers = False
    cfg.default_hooks.logger.interval = 1
    cfg.merge_from_dict(overrides)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / Path(config).name
    cfg.dump(str(path))
    return path
