"""Images per second of a config's training data pipeline, for several dataloader worker counts.

    python tools/analysis/benchmark_data.py configs/_base_/datasets/loveda_urban2rural.py \
        [--workers 0 1 2] [--num 60] [--data-root DIR] [--presets HF SSR] [--batch-size 6]

What is timed, and the fallback to the shared data: :mod:`mmseg_da.deploy.benchmark_data`.
"""
import argparse
import os

from mmengine.config import Config

from mmseg_da.deploy.benchmark_data import build_train_dataset, images_per_item, measure


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--workers', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--num', type=int, default=60, help='items per measurement (after the first batch)')
    parser.add_argument('--batch-size', type=int, help='defaults to the config\'s train batch size')
    parser.add_argument('--data-root', help='replace every data_root of the config')
    parser.add_argument('--presets', nargs='*', help='set AlbuAugment presets, e.g. --presets HF SSR BC CD')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    dataset, notes = build_train_dataset(cfg, args.data_root, args.presets)
    batch_size = args.batch_size or cfg.train_dataloader.batch_size
    for note in notes:
        print(note)
    print(f'config {args.config}: {type(dataset).__name__} of {len(dataset)} items '
          f'({images_per_item(dataset[0])} image(s) each), batch size {batch_size}, {args.num} items, '
          f'presets {args.presets if args.presets is not None else "as in the config"}, '
          f'{os.cpu_count()} CPUs')
    print(f'load average before: {os.getloadavg()[0]:.2f} (other processes share the CPUs: rates drop with it)')
    for workers in args.workers:
        t_first, rate, cpu_ms = measure(dataset, args.num + batch_size, batch_size, workers)
        line = f'workers={workers}: {rate:7.1f} img/s   (first batch after {t_first:.2f} s)'
        if workers == 0:  # all the work is in this process: its CPU time is the pipeline's cost
            line += f'; CPU {cpu_ms:.0f} ms/img = {1000 / cpu_ms:.1f} img/s per busy core'
        print(line)


if __name__ == '__main__':
    main()
