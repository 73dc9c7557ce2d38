"""Which config (and selection data) each checkpoint is scored with.

By default every checkpoint uses the one config given. With ``own_config`` a checkpoint uses the config its run
dumped beside it (the single ``*.py`` in its folder, as mmengine's Runner writes it), so runs of different test
sizes are each scored at their own size; checkpoints without one fall back to the given config.
"""
import glob
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config

from mmseg_da.config.loading import load_config

from .data import SelectionData, build_selection_data

Job = Tuple[str, Config, SelectionData]


def run_config(checkpoint: str) -> Optional[str]:
    """The config file a run dumped beside ``checkpoint`` (its folder's only ``*.py``), else None."""
    found = glob.glob(osp.join(osp.dirname(osp.abspath(checkpoint)), '*.py'))
    return found[0] if len(found) == 1 else None


def plan_jobs(config: str, checkpoints: Sequence[str], own_config: bool = False, data_root: Optional[str] = None,
              cfg_options: Optional[dict] = None, target_domains: Optional[Sequence[str]] = None,
              with_source: bool = False, target_images: Optional[Sequence[str]] = None) -> List[Job]:
    """``(checkpoint, config, selection data)`` per checkpoint; configs and data are shared where equal."""
    cache: Dict[str, Tuple[Config, SelectionData]] = {}
    jobs: List[Job] = []
    for checkpoint in checkpoints:
        path = (run_config(checkpoint) if own_config else None) or config
        if path not in cache:
            cfg = load_config(path, dict(cfg_options) if cfg_options else None, data_root=data_root)
            cache[path] = (cfg, build_selection_data(cfg, target_domains, with_source, target_images))
        jobs.append((checkpoint, *cache[path]))
    return jobs
