"""Images per second of a config's training data pipeline, for a number of dataloader workers.

The training set (``train_dataloader.dataset``; a UDADataset counts both of its images per item) is timed
through a DataLoader over a fixed number of items, cycling through the dataset when it is smaller. Where a
dataset's ``data_root`` does not exist it falls back to the real data in ``../shared/data``: the three
1024x1024 LoveDA Rural tiles (split Train, domain Rural) for LoveDA datasets, CamVid for CamVid. The first
batch (worker start-up) is left out of the rate and reported separately.
"""
import os
import os.path as osp
import time
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple

from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.utils.dl_utils import set_multi_processing
from torch.utils.data import DataLoader, Dataset

from mmseg_da.config.overrides import set_data_root
from mmseg_da.config.walk import iter_dicts

#: The real data beside the repository (``MMSEG_DA_SHARED_DATA`` overrides it).
SHARED_DATA = Path(os.environ.get('MMSEG_DA_SHARED_DATA', Path(__file__).resolve().parents[3] / 'shared' / 'data'))
#: Dataset type -> (shared data folder, arguments that select what it holds).
FALLBACKS = {
    'LoveDADomainDataset': (SHARED_DATA / 'loveda_sample', dict(split='Train', domain='Rural')),
    'CamVidDomainDataset': (SHARED_DATA / 'camvid', {}),
}


class Cycle(Dataset):
    """``num`` items of ``dataset``, cycling through it."""

    def __init__(self, dataset: Any, num: int) -> None:
        self.dataset, self.num = dataset, num

    def __len__(self) -> int:
        return self.num

    def __getitem__(self, idx: int) -> Any:
        return self.dataset[idx % len(self.dataset)]


def point_at_data(ds_cfg: dict, data_root: Optional[str] = None) -> List[str]:
    """Point every dataset config at existing data (``data_root``, else the shared fallback), in place.

    Returns:
        One note per dataset moved to the shared data.
    """
    if data_root:
        set_data_root(ds_cfg, data_root)
    notes = []
    for node in iter_dicts(ds_cfg):
        if 'data_root' in node and not osp.isdir(node['data_root']) and node.get('type') in FALLBACKS:
            folder, args = FALLBACKS[node['type']]
            notes.append(f'{node["type"]}: {node["data_root"]} not found, using {folder} {args}')
            node.update(data_root=str(folder), **args)
    return notes


def set_presets(ds_cfg: dict, presets: Sequence[str]) -> None:
    """Set the presets of every AlbuAugment in the dataset config, in place."""
    for node in iter_dicts(ds_cfg):
        if node.get('type') == 'AlbuAugment':
            node['presets'] = list(presets)


def build_train_dataset(cfg: Config, data_root: Optional[str] = None,
                        presets: Optional[Sequence[str]] = None) -> Tuple[Any, List[str]]:
    """The config's training set on existing data (see :func:`point_at_data`), and the notes of the moves.

    Multiprocessing is set up as mmengine's Runner does (``env_cfg.mp_cfg``: fork, OpenCV threads off by
    default), so that the workers measured are the Runner's.

    Args:
        cfg: The config.
        data_root: Replace every ``data_root`` with this folder.
        presets: Set the presets of every AlbuAugment (None: as in the config).
    """
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    set_multi_processing(**cfg.get('env_cfg', {}).get('mp_cfg', {}))
    from mmseg.registry import DATASETS  # after the config's custom_imports registered mmseg_da

    ds_cfg = cfg.train_dataloader.dataset.to_dict()
    notes = point_at_data(ds_cfg, data_root)
    if presets is not None:
        set_presets(ds_cfg, presets)
    return DATASETS.build(ds_cfg), notes


def images_per_item(item: Any) -> int:
    """2 for a UDA item (a source and a target image), else 1."""
    return len(item) if isinstance(item, dict) and 'source' in item else 1


def measure(dataset: Any, num: int, batch_size: int, workers: int) -> Tuple[float, float, float]:
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
