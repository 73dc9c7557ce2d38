"""Images per second of a config's training data pipeline, for several dataloader worker counts.

    python tools/analysis/benchmark_data.py configs/_base_/datasets/loveda_urban2rural.py \
        [--workers 0 1 2] [--num 60] [--data-root DIR] [--presets HF SSR] [--batch-size 6]

It builds ``train_dataloader.dataset`` (a UDADataset counts both of its images per item) and times a
DataLoader over ``--num`` items, cycling through the dataset when it is smaller. Where a dataset's
``data_root`` (or ``--data-root``) does not exist it falls back to the real data in ``../shared/data``:
the three 1024x1024 LoveDA Rural tiles (split Train, domain Rural) for LoveDA datasets, CamVid for CamVid.
The first batch (worker start-up) is left out of the rate and reported separately. Multiprocessing is
set up as mmengine's Runner does (``env_cfg.mp_cfg``: fork, OpenCV threads off by default).
"""
import argparse
import os
import os.path as osp
import time
from pathlib import Path
from typing import Any, List

from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.utils.dl_utils import set_multi_processing
from torch.utils.data import DataLoader, Dataset

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get('MMSEG_DA_SHARED_DATA', REPO_ROOT.parent / 'shared' / 'data'))
# dataset type -> (shared data folder, arguments that select what it holds)
FALLBACKS = {
    'LoveDADomainDataset': (SHARED / 'loveda_sample', dict(split='Train', domain='Rural')),
    'CamVidDomainDataset': (SHARED / 'camvid', {}),
}


class Cycle(Dataset):
    """``num`` items of ``dataset``, cycling through it."""

    def __init__(self, dataset: Any, num: int) -> None:
        self.dataset, self.num = dataset, num

    def __len__(self) -> int:
        return self.num

    def __getitem__(self, idx: int) -> Any:
        return self.dataset[idx % len(self.dataset)]


def resolve_data(node: Any, data_root: str, notes: List[str]) -> None:
    """Point every dataset config at existing data (``--data-root`` or the shared fallback), in place."""
    if isinstance(node, dict):
        if 'data_root' in node:
            if data_root:
                node['data_root'] = data_root
            if not osp.isdir(node['data_root']) and node.get('type') in FALLBACKS:
                folder, args = FALLBACKS[node['type']]
                notes.append(f'{node["type"]}: {node["data_root"]} not found, using {folder} {args}')
                node.update(data_root=str(folder), **args)
        for value in node.values():
            resolve_data(value, data_root, notes)
    elif isinstance(node, (list, tuple)):
        for value in node:
            resolve_data(value, data_root, notes)


def set_presets(node: Any, presets: List[str]) -> None:
    """Set the presets of every AlbuAugment in the config tree."""
    if isinstance(node, dict):
        if node.get('type') == 'AlbuAugment':
            node['presets'] = list(presets)
        for value in node.values():
            set_presets(value, presets)
    elif isinstance(node, (list, tuple)):
        for value in node:
            set_presets(value, presets)


def images_per_item(item: Any) -> int:
    return len(item) if isinstance(item, dict) and 'source' in item else 1


def measure(dataset: Any, num: int, batch_size: int, workers: int) -> tuple:
    """(seconds to the first batch, images/s over the remaining batches, CPU ms per image in this process)."""
    loader = DataLoader(Cycle(dataset, num), batch_size=batch_size, num_workers=workers, shuffle=False,
                        collate_fn=pseudo_collate, persistent_workers=False)
    start = time.perf_counter()
    it = iter(loader)
    first = next(it)
    t_first = time.perf_counter() - start
    per_item = 2 if 'source' in first else 1  # a UDA item holds a source and a target image
    start, cpu_start, items = time.perf_counter(), time.process_time(), 0
    for batch in it:
        items += len(batch['source']['inputs'] if 'source' in batch else batch['inputs'])
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    images = items * per_item
    return t_first, images / elapsed if items else float('nan'), 1000 * cpu / images if items else float('nan')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--workers', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--num', type=int, default=60, help='items per measurement (after the first batch)')
    parser.add_argument('--batch-size', type=int, help='defaults to the config\'s train batch size')
    parser.add_argument('--data-root', help='replace every data_root of the config')
    parser.add_argument('--presets', nargs='*', help='set AlbuAugment presets, e.g. --presets HF SSR BC CD')
    args = parser.parse_args()

    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    # as the Runner does (env_cfg.mp_cfg; mmengine's defaults: fork, OpenCV single-threaded)
    set_multi_processing(**cfg.get('env_cfg', {}).get('mp_cfg', {}))
    from mmseg.registry import DATASETS  # after the config's custom_imports registered mmseg_da

    ds_cfg = cfg.train_dataloader.dataset.to_dict()
    notes: List[str] = []
    resolve_data(ds_cfg, args.data_root, notes)
    if args.presets is not None:
        set_presets(ds_cfg, args.presets)
    dataset = DATASETS.build(ds_cfg)
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
