"""Fixtures of the dataset tests: tiny LoveDA-layout folders and the shared real data."""
from pathlib import Path
from typing import Callable, Dict

import pytest
from da_testing.writers import write_loveda
from mmengine.registry import init_default_scope


@pytest.fixture(autouse=True)
def mmseg_scope() -> None:
    """Resolve transform names in mmseg's registries, as the configs' ``default_scope='mmseg'`` does."""
    init_default_scope('mmseg')


@pytest.fixture
def loveda_root(tmp_path: Path) -> Path:
    """A fresh two-domain LoveDA-layout folder of 32x32 tiles."""
    return write_loveda(tmp_path / 'loveDA')


@pytest.fixture
def make_loveda(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``make_loveda(counts, size=32)`` writes a LoveDA layout under a new tmp folder."""
    made = []

    def make(counts: Dict[str, Dict[str, int]] = None, size: int = 32) -> Path:
        made.append(tmp_path / f'loveDA{len(made)}')
        return write_loveda(made[-1], counts, size=size, seed=len(made))

    return make


@pytest.fixture
def loveda_sample(shared_data: Path) -> Path:
    """The three real LoveDA Rural tiles in ``../shared/data/loveda_sample`` (skip where absent)."""
    root = shared_data / 'loveda_sample'
    if not (root / 'Train' / 'Rural' / 'images_png').is_dir():
        pytest.skip(f'real LoveDA tiles not found under {root}')
    return root


@pytest.fixture
def camvid_root(shared_data: Path) -> Path:
    """The real CamVid of ``../shared/data/camvid`` (skip where absent)."""
    root = shared_data / 'camvid'
    if not (root / 'train.txt').is_file():
        pytest.skip(f'real CamVid not found under {root}')
    return root
