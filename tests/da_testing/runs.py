"""Two tiny real training runs (source-only and adaptation), trained once per session for the results tools.

Shared by test_results_table.py, test_plot_curves.py and test_predict.py through a module-level cache
(a fixture imported into several test modules would run once per module). The runs use the project's
configs, shrunk by ``small_config``, and mmengine's real Runner as ``tools/train.py`` builds it, in this
process (two fresh interpreters would cost more than the training itself).
"""
import contextlib
import json
from pathlib import Path
from typing import Dict, Iterator, List

import torch

from da_testing import small_config

#: name -> (project config, overrides). Two epochs of one iteration (the 4 training tiles in one batch: one
#: iteration costs about as much as one of batch 2 at this size), validation after every epoch.
RUNS = {
    'source_only': ('configs/pidnet_s_urban.py', {}),
    # 32x32 images give 4x4 logits, too small for the discriminator: it judges them at input size.
    # No best checkpoint (two more ~100 MB writes); the tests take the best from the logs.
    'adapted': ('configs/pidnet_s_urban2rural_adv_single.py',
                {'model.disc_input_scale': 'input', 'default_hooks.checkpoint.save_best': None}),
}
_CACHE: Dict[str, dict] = {}


def scalar_lines(work_dir: Path) -> List[dict]:
    """Every line of the run's ``vis_data/scalars.json`` files, read independently of the tools."""
    lines = []
    for path in sorted(work_dir.glob('*/vis_data/scalars.json')):
        lines += [json.loads(t) for t in path.read_text().splitlines() if t.strip()]
    return lines


def val_lines(work_dir: Path) -> List[dict]:
    return [line for line in scalar_lines(work_dir) if 'mIoU' in line]


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Torch on one thread, as ``run_tool`` runs the tools: at 32x32 a second thread only adds waiting
    (several times slower on a busy 2-core machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def train(config: Path, work_dir: Path, name: str) -> None:
    """What ``tools/train.py CONFIG --work-dir WORK_DIR`` does, in this process."""
    from mmengine.runner import Runner

    from mmseg_da.config.loading import load_config
    cfg = load_config(str(config), None, str(work_dir))
    if cfg.get('visualizer'):  # a named visualizer is a process-wide singleton: keep this run's own
        cfg.visualizer['name'] = f"{cfg.visualizer.get('name', 'visualizer')}_results_{name}"
    Runner.from_cfg(cfg).train()


def tiny_runs(tmp_path_factory, data_root: Path) -> dict:
    """``{'data_root', 'runs': {name: work_dir}, 'configs': {name: config path}}``, trained on first use."""
    if 'error' in _CACHE:  # do not train again for every module after a failure
        raise RuntimeError(f'the tiny training runs failed: {_CACHE["error"]}')
    if 'runs' not in _CACHE:
        base = tmp_path_factory.mktemp('results_runs')
        runs, configs = {}, {}
        try:
            with one_thread():
                for name, (config, overrides) in RUNS.items():
                    cfg = small_config(config, base / 'cfg' / name, data_root, length=2, batch_size=4,
                                       **{'train_cfg.val_interval': 1}, **overrides)
                    runs[name], configs[name] = base / 'work_dirs' / name, cfg
                    train(cfg, runs[name], name)
        except Exception as err:
            _CACHE['error'] = f'{type(err).__name__}: {err}'
            raise
        _CACHE['runs'] = dict(data_root=data_root, runs=runs, configs=configs)
    return _CACHE['runs']
