"""Shared fixtures: the repository root, the shared real data, and tiny LoveDA-layout datasets."""
from pathlib import Path

import pytest
import torch
from da_testing import REPO_ROOT, run_tool, shared_data_root, small_config  # noqa: F401  (re-exported)

from mmseg_da.datasets.make_synthetic_loveda import make_synthetic_loveda

# One thread: the machines here have 2 cores, and tools run as subprocesses alongside the test process;
# oversubscribed threads made model tests an order of magnitude slower.
torch.set_num_threads(1)


@pytest.fixture(scope='session')
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope='session')
def shared_data() -> Path:
    root = shared_data_root()
    if not root.is_dir():
        pytest.skip(f'real test data not found at {root} (set MMSEG_DA_SHARED_DATA)')
    return root


@pytest.fixture(scope='session')
def tiny_loveda(tmp_path_factory) -> Path:
    """A deterministic two-domain LoveDA-layout dataset of 32x32 tiles (4 train, 2 val per domain)."""
    root = tmp_path_factory.mktemp('tiny_loveda')
    return Path(make_synthetic_loveda(str(root), size=32, train=4, val=2, test=1))


