"""Evaluate a checkpoint on the config's test set, per domain (mmseg's command line).

Example:
    python tools/test.py configs/pidnet_s_urban.py work_dirs/pidnet_s_urban/iter_100.pth
"""
import argparse
import os

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmseg_da  # noqa: F401  (registers modules; safe loading of mmengine checkpoints)
from mmseg_da.utils.cli import clear_errors, load_config, require_file, set_launcher


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a segmentor')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where the evaluation metrics are dumped as json')
    parser.add_argument('--out', type=str, help='directory to save predictions for offline evaluation')
    parser.add_argument('--show', action='store_true', help='show prediction results')
    parser.add_argument('--show-dir', help='directory where painted images are saved '
                        '(under work_dir/timestamp/)')
    parser.add_argument('--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value pairs merged into it')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    parser.add_argument('--tta', action='store_true', help='test time augmentation')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def enable_visualization(cfg: Config, args: argparse.Namespace) -> None:
    hooks = cfg.default_hooks
    if 'visualization' not in hooks:
        raise KeyError('--show/--show-dir need a "visualization" hook in default_hooks, e.g. '
                       "visualization=dict(type='SegVisualizationHook')")
    hooks.visualization.draw = True
    if args.show:
        hooks.visualization.show = True
        hooks.visualization.wait_time = args.wait_time
    if args.show_dir:
        cfg.visualizer.save_dir = args.show_dir


def main() -> None:
    args = parse_args()
    with clear_errors('test.py'):
        cfg = load_config(args.config, args.cfg_options, args.work_dir)
        set_launcher(cfg, args.launcher)
        cfg.load_from = require_file(args.checkpoint, 'checkpoint file')
        if args.show or args.show_dir:
            enable_visualization(cfg, args)
        if args.tta:
            cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
            cfg.tta_model.module = cfg.model
            cfg.model = cfg.tta_model
        if args.out is not None:
            cfg.test_evaluator['output_dir'] = args.out
            cfg.test_evaluator['keep_results'] = True
        Runner.from_cfg(cfg).test()


if __name__ == '__main__':
    main()
