"""torch's safe loader reads mmengine checkpoints once mmseg_da is imported, and nothing more."""
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer

import mmseg_da  # noqa: F401


class NotAllowed:
    pass


def test_mmengine_message_hub_state_loads_with_weights_only(tmp_path):
    buffer = HistoryBuffer()
    buffer.update(np.float64(0.5))
    state = {'state_dict': {'w': torch.ones(2)},
             'message_hub': {'log_scalars': {'train/loss': buffer},
                             'runtime_info': {'iter': np.int64(3), 'arr': np.arange(3, dtype=np.float32)}}}
    path = tmp_path / 'ckpt.pth'
    torch.save(state, path)
    loaded = torch.load(path, weights_only=True)
    restored = loaded['message_hub']['log_scalars']['train/loss']
    assert restored.current() == 0.5 and restored.mean() == 0.5 and restored.max() == 0.5
    assert loaded['message_hub']['runtime_info']['iter'] == 3


def test_other_classes_are_still_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': NotAllowed()}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
