"""The end-to-end demo: synthetic two-domain LoveDA -> train PIDNet-S on Urban -> test on Urban and Rural.

    python tools/demo.py [--iters 160] [--size 96] [--work-dir work_dirs/demo]

It uses the project's real config (``configs/pidnet_s_urban.py``), overridden only in image size,
iterations and data root (and, having no ImageNet weights offline, trained from scratch), and runs the
real ``tools/train.py`` and ``tools/test.py``. It ends with one mIoU row per domain.
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
from typing import List

from mmengine.config import Config

from mmseg_da.config.overrides import set_data_root, set_image_size, set_schedule_length, train_from_scratch
from mmseg_da.reports.tables import markdown_table

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def demo_config(config: str, data_root: str, size: int, iters: int, work_dir: str) -> Config:
    """The project's config, overridden in data root, image size and length (and from scratch)."""
    cfg = Config.fromfile(config)
    set_data_root(cfg, data_root)
    set_image_size(cfg, size, size)
    train_from_scratch(cfg)  # no ImageNet weights offline
    if 'max_epochs' in cfg.train_cfg:
        tiles = len(glob.glob(osp.join(data_root, 'Train', '*', 'images_png', '*.png'))) // 2
        iters = max(1, iters // max(1, tiles // cfg.train_dataloader.batch_size))
    set_schedule_length(cfg, iters)
    cfg.default_hooks.logger.interval = 10
    cfg.work_dir = work_dir
    return cfg


def run(args: List[str]) -> None:
    print('$', ' '.join(args), flush=True)
    subprocess.run([sys.executable, *args], cwd=REPO, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default='configs/pidnet_s_urban.py')
    parser.add_argument('--data-root', default='data/synthetic_loveda')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--size', type=int, default=96)
    parser.add_argument('--iters', type=int, default=160)
    args = parser.parse_args()

    os.chdir(REPO)
    if not osp.isdir(osp.join(args.data_root, 'Train', 'Urban')):
        run(['tools/make_synthetic_loveda.py', args.data_root])
    cfg = demo_config(args.config, args.data_root, args.size, args.iters, args.work_dir)
    os.makedirs(args.work_dir, exist_ok=True)
    config_path = osp.join(args.work_dir, 'demo_config.py')
    cfg.dump(config_path)

    run(['tools/train.py', config_path, '--work-dir', args.work_dir])
    with open(osp.join(args.work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    test_dir = osp.join(args.work_dir, 'test')
    run(['tools/test.py', config_path, checkpoint, '--work-dir', test_dir])

    results = sorted(glob.glob(osp.join(test_dir, '*', '*.json')))[-1]
    with open(results) as f:
        metrics = json.load(f)
    domains = sorted({k.split('/')[0] for k in metrics if k.endswith('/mIoU')})
    print(f'\nPIDNet-S trained on Urban ({args.iters} iterations, {args.size}x{args.size}); '
          f'checkpoint {checkpoint}')
    keys = ('mIoU', 'mAcc', 'aAcc')
    rows = [[d] + [f'{metrics[f"{d}/{k}"]:.2f}' for k in keys] for d in domains]
    print(markdown_table(['domain', *keys], rows, align='lrrr'))


if __name__ == '__main__':
    main()
