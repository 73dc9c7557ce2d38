"""Train a segmentor, or a domain-adaptation segmentor, from a config (mmseg's command line).

Example:
    python tools/train.py configs/pidnet_s_urban.py --work-dir work_dirs/pidnet_s_urban
    torchrun --nproc_per_node 2 tools/train.py CONFIG --launcher pytorch
"""
import argparse
import logging
import os

from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

import mmseg_da  # noqa: F401  (registers modules; safe loading of mmengine checkpoints)
from mmseg.registry import RUNNERS
from mmseg_da.utils.cli import clear_errors, load_config, set_launcher


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument('--resume', action='store_true', default=False,
                        help='resume from the latest checkpoint in the work_dir automatically')
    parser.add_argument('--amp', action='store_true', default=False,
                        help='enable automatic-mixed-precision training')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value pairs merged into it '
                        '(e.g. train_cfg.max_iters=100 model.backbone.init_cfg=None)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def enable_amp(cfg: Config) -> None:
    """Switch the optimizer wrapper(s) to ``AmpOptimWrapper``.

    mmseg's own tool only handles a single ``OptimWrapper``; adaptation configs build an
    ``OptimWrapperDict`` through a constructor, with one sub-config per submodule, each switched here.
    """
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


def main() -> None:
    args = parse_args()
    with clear_errors('train.py'):
        cfg = load_config(args.config, args.cfg_options, args.work_dir)
        set_launcher(cfg, args.launcher)
        if args.amp:
            enable_amp(cfg)
        cfg.resume = args.resume
        runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
        runner.train()


if __name__ == '__main__':
    main()
