"""Helpers shared by the tests: the repository root, the shared real data, running tools, small configs."""
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


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


def call_tool(script: str, *args: str) -> int:
    """Run a tool's command line in this process, as ``python SCRIPT ARGS`` would; return its exit code.

    The in-process twin of :func:`run_tool` (which starts a real interpreter): cheaper, and ``capsys`` sees
    the tool's output. Use ``run_tool`` where a real process matters (signals, workers, torchrun).
    """
    import runpy
    from unittest import mock
    argv = [str(REPO_ROOT / script), *args]
    with mock.patch.object(sys, 'argv', argv):
        try:
            runpy.run_path(argv[0], run_name='__main__')
        except SystemExit as exit_:
            code = exit_.code
            return code if isinstance(code, int) else int(code is not None)
    return 0


def free_port() -> int:
    """A free TCP port on the loopback interface (for a torchrun/gloo rendezvous)."""
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def small_config(config: str, out_dir: Path, data_root: Path, size: int = 32, length: int = 2,
                 batch_size: int = 2, **overrides) -> Path:
    """Dump the project's ``config`` shrunk to a tiny run (size, length, batch, data root) and return its path."""
    from mmengine.config import Config

    from mmseg_da.config.overrides import set_data_root, set_image_size, set_schedule_length, train_from_scratch
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


def save_random_checkpoint(config: Path, path: Path, seed: int, extra: dict = None) -> dict:
    """Save the config's full model with seeded random weights (BN statistics too, all in [0.5, 1.5)).

    A checkpoint whose weights differ from any fresh initialisation: a loader that silently skips
    tensors changes the predictions. Returns the saved state dict.
    """
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmseg_da  # noqa: F401  (registers the models)
    init_default_scope('mmseg')
    torch.manual_seed(seed)
    model = MODELS.build(Config.fromfile(str(config)).model)
    state = model.state_dict()
    generator = torch.Generator().manual_seed(seed)
    for key, value in state.items():
        if value.is_floating_point():
            state[key] = torch.rand(value.shape, generator=generator) + 0.5
    state.update(extra or {})
    meta = {'dataset_meta': {'classes': ('a',) * 7, 'palette': [[0, 0, 0]] * 7}}
    torch.save({'state_dict': state, 'meta': meta}, path)
    return state


def start_tool(script: str, *args: str, env: dict = None) -> subprocess.Popen:
    """Start one of the repository's tools as ``run_tool`` runs it, without waiting (text pipes for both
    outputs), e.g. to signal it mid-run."""
    full_env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1', **(env or {}))
    return subprocess.Popen([sys.executable, str(REPO_ROOT / script), *args], cwd=REPO_ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env)
