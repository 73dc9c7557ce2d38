"""Tiny selection setups: a LoveDA Urban -> Rural config with an 8-channel PIDNet, and checkpoints of it."""
import shutil
from pathlib import Path

import pytest
from da_testing import small_config
from da_testing.models import tiny_pidnet
from mmengine.config import Config

from mmseg_da.selection import build_selection_data

NUM_CLASSES = 7  # LoveDA


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory, tiny_loveda) -> Path:
    """A private copy of the tiny LoveDA folder (tests may overwrite its masks)."""
    root = tmp_path_factory.mktemp('selection_data') / 'loveda'
    shutil.copytree(tiny_loveda, root)
    return root


@pytest.fixture(scope='module')
def tiny_config(tmp_path_factory, tiny_data) -> Path:
    """The project's Urban -> Rural config at 32x32, its segmentor an 8-channel PIDNet (7 classes)."""
    out = tmp_path_factory.mktemp('selection_cfg')
    path = small_config('configs/pidnet_s_urban2rural_adv_single.py', out, tiny_data)
    cfg = Config.fromfile(str(path))
    cfg.model = dict(type='UDASegmentor', segmentor=tiny_pidnet(NUM_CLASSES))
    cfg.dump(str(path))
    return path


@pytest.fixture(scope='module')
def selection_data(tiny_config):
    """Target (Rural Val, no masks) and source (Urban Val) loaders of the tiny config."""
    from mmseg_da.config.loading import load_config
    return build_selection_data(load_config(str(tiny_config)))
