"""Fixtures of the comparison tests: a tiny CamVid-layout dataset for the project's CamVid configs."""
from pathlib import Path

import pytest
from da_testing.writers import write_camvid

#: Day frames (sequences 0016E5/0006R0) and dusk frames (0001TP), as CamVidDomainDataset splits them.
TRAIN = ['0016E5_00010', '0016E5_00020', '0006R0_00030', '0001TP_00040', '0001TP_00050']
VAL = ['0016E5_00060', '0016E5_00070']


@pytest.fixture(scope='session')
def tiny_camvid(tmp_path_factory) -> Path:
    """A SegNet-layout CamVid of 24x32 frames: 3 day + 2 dusk training frames, 2 day validation frames
    (``small_config`` shrinks the project's CamVid configs to it: 32x32, 2 iterations of batch 2)."""
    return write_camvid(tmp_path_factory.mktemp('camvid'), {'train': TRAIN, 'val': VAL})
