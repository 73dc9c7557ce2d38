"""Training-step time of an adversarial config against source-only training of the same segmentor.

    python tools/analysis/benchmark_uda_step.py configs/pidnet_s_urban2rural_adv_multi.py \
        [--shape 512 512] [--batch 2] [--iters 5] [--warmup 2] [--device cpu|cuda] [--threads N]

The three steps timed, and the goal: :mod:`mmseg_da.deploy.benchmark_uda_step`.
"""
import argparse

import torch
from mmengine.config import DictAction

import mmseg_da  # noqa: F401  (registers modules)
from mmseg_da.cli import clear_errors
from mmseg_da.config.loading import load_config
from mmseg_da.deploy.benchmark_uda_step import benchmark_uda_step, check_benchmark, step_time_report


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train-step time: adversarial vs source-only')
    parser.add_argument('config', help='an adversarial config (model.type=AdversarialSegmentor)')
    parser.add_argument('--shape', type=int, nargs=2, default=[512, 512], metavar=('H', 'W'))
    parser.add_argument('--batch', type=int, default=2, help='images per branch')
    parser.add_argument('--iters', type=int, default=5, help='timed iterations per variant')
    parser.add_argument('--warmup', type=int, default=2, help='untimed iterations per variant')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch\'s)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with clear_errors('benchmark_uda_step.py'):
        cfg = load_config(args.config, args.cfg_options)
        check_benchmark(cfg, args.iters, args.batch)
    if args.threads:
        torch.set_num_threads(args.threads)
    model, times = benchmark_uda_step(cfg, args.shape, args.batch, args.iters, args.warmup, args.device)
    h, w = args.shape
    print(f'config: {args.config}')
    print(f'segmentor: {type(model.seg_model.backbone).__name__} + {model.output_levels.description}; '
          f'levels {model.levels}; discriminator input scale {model.disc_input_scale!r}')
    print(f'device: {args.device}, threads: {torch.get_num_threads()}, batch {args.batch} per branch, '
          f'shape {h}x{w}, {args.iters} timed iterations after {args.warmup} warm-up')
    print(step_time_report(times))


if __name__ == '__main__':
    main()
