"""Two-process distributed training on CPU (torchrun, gloo) through tools/train.py."""
import os
import subprocess
import sys

import pytest
import torch
from da_testing import REPO_ROOT, free_port, small_config


@pytest.mark.slow  # the default run keeps the 2-process gloo test of the adversarial segmentor
def test_torchrun_two_processes_on_cpu(tmp_path, tiny_loveda):
    cfg = small_config('configs/pidnet_s_urban.py', tmp_path / 'cfg', tiny_loveda, length=1)
    work = tmp_path / 'run'
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2',
           '--master_port', str(free_port()), str(REPO_ROOT / 'tools' / 'train.py'), str(cfg),
           '--launcher', 'pytorch', '--work-dir', str(work)]
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, env=env, timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert 'Distributed training: True' in log, log[-4000:]
    # 4 Urban tiles, batch 2 per process: one iteration per epoch only if 2 processes share the data
    assert 'Epoch(train) [1][1/1]' in log, log[-4000:]
    assert 'Urban/mIoU' in log and 'Rural/mIoU' in log
    checkpoint = (work / 'last_checkpoint').read_text().strip()
    state = torch.load(checkpoint, map_location='cpu')
    assert state['meta']['epoch'] == 1
