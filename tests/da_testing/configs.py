"""The repository's top-level configs, each loaded once per test session (loading all of them takes ~20 s)."""
import functools
from pathlib import Path
from typing import List

from mmengine.config import Config

from . import REPO_ROOT

#: Every top-level experiment config, sorted.
CONFIG_FILES: List[Path] = sorted((REPO_ROOT / 'configs').glob('*.py'))


@functools.lru_cache(maxsize=None)
def loaded_config(path: Path) -> Config:
    """``Config.fromfile(path)``, shared by every test: read it, never change it (``copy.deepcopy`` first)."""
    return Config.fromfile(str(path))
