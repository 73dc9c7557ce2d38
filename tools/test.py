"""Evaluate a checkpoint on the config's test set, per domain (mmseg's command line).

The checkpoint is loaded strictly into the config's deployable segmentor (see
:func:`mmseg_da.apis.init_segmentor`): a plain, exported or adaptation checkpoint for a plain or
adaptation config; any missing, unexpected or differently shaped tensor, or a NaN/inf weight (a diverged
run's checkpoint), stops the tool before testing, and so does a test split without masks.

Example:
    python tools/test.py configs/pidnet_s_urban.py work_dirs/pidnet_s_urban/iter_100.pth
"""
import argparse
import os

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmseg_da  # noqa: F401  (registers modules; safe loading of mmengine checkpoints)
from mmseg_da.apis import load_segmentor_checkpoint
from mmseg_da.apis.checkpoint_download import is_url
from mmseg_da.cli import clear_errors, set_launcher
from mmseg_da.config.loading import load_config
from mmseg_da.fileio.required_paths import require_file
from mmseg_da.models.utils.deployable import deployable_segmentor


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a segmentor')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file, or an http(s) URL (e.g. an mmseg model-zoo checkpoint)')
    parser.add_argument('--work-dir', help='where the evaluation metrics are dumped as json')
    parser.add_argument('--out', type=str, help='directory to save predictions for offline evaluation')
    parser.add_argument('--show', action='store_true', help='show prediction results')
    parser.add_argument('--show-dir', help='directory where painted images are saved '
                        '(under work_dir/timestamp/)')
    parser.add_argument('--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument('--data-root', help='folder of the config\'s dataset(s), instead of the config\'s '
                        'data_root (several dataset folders: the folder that holds them all)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value pairs merged into it')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    parser.add_argument('--tta', action='store_true', help='test time augmentation (the config\'s '
                        'tta_pipeline: flips and scales), per-domain tables kept')
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


def check_test_masks(dataset, config: str) -> None:
    """Refuse a test set whose samples have no masks (e.g. LoveDA's Test split), naming the split and images.

    The mask loader would otherwise stop at the first such sample (mmseg's ``LoadAnnotations`` with
    ``KeyError: 'seg_map_path'``).
    """
    from mmseg_da.datasets.dataset_wrappers import leaf_datasets
    for leaf in leaf_datasets(dataset):
        leaf.full_init()
        infos = [leaf.get_data_info(i) for i in range(len(leaf))]
        missing = [info.get('img_path', '?') for info in infos if 'seg_map_path' not in info]
        if missing:
            split = getattr(leaf, 'split', None)
            where = f'split {split!r} of ' if split else ''
            domains = getattr(leaf, 'domains', None)
            raise ValueError(
                f'{config}: the test set (test_dataloader.dataset) has no masks to score against: {where}'
                f'{type(leaf).__name__}{f" (domains {list(domains)})" if domains else ""} gives {len(missing)} of '
                f'its {len(infos)} images no mask, e.g. {missing[0]}. tools/test.py compares predictions with '
                'masks: test on a split with masks (e.g. --cfg-options test_dataloader.dataset.split=Val), or use '
                'tools/predict.py for label-free predictions.')


def main() -> None:
    args = parse_args()
    with clear_errors('test.py'):
        cfg = load_config(args.config, args.cfg_options, args.work_dir, args.data_root)
        set_launcher(cfg, args.launcher)
        # an http(s) URL (a model-zoo checkpoint) is downloaded once and read with safe loading
        checkpoint = args.checkpoint if is_url(args.checkpoint) else require_file(args.checkpoint, 'checkpoint file')
        cfg.load_from = None  # mmengine's load_from is not strict: the checkpoint is loaded below
        if args.show or args.show_dir:
            enable_visualization(cfg, args)
        if args.tta:
            from mmseg_da.config.tta import apply_tta
            apply_tta(cfg)
        if args.out is not None:
            cfg.test_evaluator['output_dir'] = args.out
            cfg.test_evaluator['keep_results'] = True
        runner = Runner.from_cfg(cfg)
        load_segmentor_checkpoint(deployable_segmentor(runner.model), checkpoint, repr(args.config))
        if not (isinstance(cfg.get('test_evaluator'), dict) and cfg.test_evaluator.get('format_only', False)):
            check_test_masks(runner.test_dataloader.dataset, repr(args.config))
        runner.test()


if __name__ == '__main__':
    main()
