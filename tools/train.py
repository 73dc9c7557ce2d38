"""Train a segmentor, or a domain-adaptation segmentor, from a config (mmseg's command line).

Example:
    python tools/train.py configs/pidnet_s_urban.py --work-dir work_dirs/pidnet_s_urban
    python tools/train.py configs/pidnet_s_urban.py --work-dir work_dirs/pidnet_s_urban --resume
    python tools/train.py configs/camvid_day2dusk_dacs.py --warmup work_dirs/camvid_day2dusk_source_only/iter_300.pth
    torchrun --nproc_per_node 2 tools/train.py CONFIG --launcher pytorch

Runs go through ``DARunner`` (mmseg_da/engine/runner.py) unless the config names another ``runner_type``:
checkpoints are written atomically, and ``--resume`` continues exactly where the last one left off.
"""
import argparse
import os
import os.path as osp

from mmengine.config import DictAction
from mmseg.registry import RUNNERS

import mmseg_da  # noqa: F401  (registers modules; safe loading of mmengine checkpoints)
from mmseg_da.cli import clear_errors, enable_amp, set_launcher
from mmseg_da.config.loading import load_config
from mmseg_da.fileio.required_paths import require_file


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    resume = parser.add_mutually_exclusive_group()
    resume.add_argument('--resume', nargs='?', const=True, default=False, metavar='CHECKPOINT',
                        help='continue a run from CHECKPOINT, or without it from the checkpoint named by '
                        'WORK_DIR/last_checkpoint, with its optimizers, schedulers, iteration and random streams '
                        '(with a fixed randomness.seed, the logged losses repeat those of an uninterrupted run). '
                        'Stops with an error if last_checkpoint is missing, or the checkpoint is missing or '
                        'incomplete. The load_from of the config file (e.g. the warm-up weights of an adaptation '
                        'run) is never resumed from: it only initialises fresh runs (mmseg\'s --resume '
                        '--cfg-options load_from=CHECKPOINT is --resume CHECKPOINT).')
    resume.add_argument('--resume-or-fresh', action='store_true', default=False,
                        help='as --resume, but start a fresh run (with a warning) when there is no intact last '
                        'checkpoint, e.g. for a job that may be preempted before its first checkpoint')
    parser.add_argument('--warmup', metavar='CHECKPOINT',
                        help='two-stage protocol, stage 2: start from the segmentor weights of CHECKPOINT (the final '
                        'checkpoint of a warm-up run, e.g. work_dirs/camvid_day2dusk_source_only/iter_300.pth; '
                        'sets load_from, which must then not be given in --cfg-options). The file must exist. '
                        'Without --work-dir the run goes to work_dirs/<config stem>_from_warmup, apart from the '
                        'from-scratch run of the same config. tools/analysis/compare_methods.py --warmup CONFIG '
                        'trains the warm-up CONFIG for every seed and starts each run of that seed from it.')
    parser.add_argument('--amp', action='store_true', default=False,
                        help='enable automatic-mixed-precision training (fp16 with dynamic loss scaling; needs a '
                        'CUDA GPU)')
    parser.add_argument('--data-root', help='folder of the config\'s dataset(s), instead of the config\'s '
                        'data_root (several dataset folders: the folder that holds them all)')
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


def main() -> None:
    args = parse_args()
    with clear_errors('train.py'):
        work_dir = args.work_dir
        if args.warmup is not None:
            if 'load_from' in (args.cfg_options or {}):
                raise ValueError('--warmup sets load_from: give the checkpoint once, to --warmup or to '
                                 '--cfg-options load_from=..., not both')
            require_file(args.warmup, 'the warm-up checkpoint given to --warmup (train the warm-up config first)')
            if work_dir is None:
                work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0] + '_from_warmup')
        cfg = load_config(args.config, args.cfg_options, work_dir, args.data_root)
        if args.warmup is not None:
            cfg.load_from = args.warmup
        set_launcher(cfg, args.launcher)
        if args.amp:
            enable_amp(cfg)
        resume = args.resume or args.resume_or_fresh  # True, or the path given to --resume
        if resume is True and 'load_from' in (args.cfg_options or {}):
            resume = args.cfg_options['load_from']  # mmseg's idiom: --resume --cfg-options load_from=CHECKPOINT
        cfg.resume = resume
        cfg.allow_fresh_start = args.resume_or_fresh
        cfg.setdefault('runner_type', 'DARunner')
        runner = RUNNERS.build(cfg)
        runner.train()


if __name__ == '__main__':
    main()
