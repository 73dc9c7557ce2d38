"""The one-command GPU check (mmseg_da.deploy.gpu_check, tools/gpu_check.sh): its plan on a GPU, the table, and a
dry run of every step on the CPU (slow; the fast tests check the plan and the runner on stand-in commands)."""
import json
import sys

import pytest
from da_testing import REPO_ROOT

from mmseg_da.deploy.gpu_check import BUDGET_S, Step, plan, run


def test_gpu_plan_trains_three_methods_with_amp_tests_them_and_times_both_sizes(tmp_path):
    steps = plan(str(tmp_path), 'data/camvid', onnxruntime_cuda=True)
    trains = [s for s in steps if s.kind == 'train']
    assert [s.argv[2] for s in trains] == ['configs/camvid_day2dusk_source_only.py',
                                          'configs/camvid_day2dusk_adv_multi.py', 'configs/camvid_day2dusk_dacs_mic.py']
    assert all('--amp' in s.argv and 'train_cfg.max_iters=50' in s.argv for s in trains)
    assert len([s for s in steps if s.kind == 'test']) == 3
    latency = [' '.join(s.argv) for s in steps if s.kind == 'latency']
    assert len(latency) == 4 and all('--device cuda' in a for a in latency)
    assert sum('--shape 512 512' in a for a in latency) == 2 and sum('--shape 1024 2048' in a for a in latency) == 2
    assert sum('--fp16 --backend fast' in a for a in latency) == 2 and sum('onnxruntime' in a for a in latency) == 2
    assert len([s for s in plan(str(tmp_path), 'd', onnxruntime_cuda=False) if s.kind == 'latency']) == 2
    assert BUDGET_S == 480


def test_runner_writes_the_table_and_stops_at_the_budget(tmp_path):
    work = tmp_path / 'train'
    (work / 'vis_data').mkdir(parents=True)
    (work / 'vis_data' / 'scalars.json').write_text(json.dumps({'memory': 1234, 'step': 1}) + '\n')
    steps = [Step('train fake', [sys.executable, '-c', 'pass'], 30, 'train', str(work)),
             Step('test failing', [sys.executable, '-c', 'raise SystemExit(3)'], 30, 'test', str(tmp_path)),
             Step('test slow', [sys.executable, '-c', 'import time; time.sleep(30)'], 30, 'test', str(tmp_path))]
    result = run(steps, str(tmp_path / 'out'), budget_s=8, write=lambda line: None)
    rows = result['rows']
    assert rows[0]['status'] == 'ok' and rows[0]['peak_memory_mb'] == 1234
    assert rows[1]['status'].startswith('exit 3') and rows[2]['status'].startswith('timed out')
    table = (tmp_path / 'out' / 'gpu_check.md').read_text()
    assert '| train fake | ok |' in table and '1234' in table and 'of a 8 s budget' in table


def test_without_cuda_the_check_says_how_to_dry_run():
    import torch
    if torch.cuda.is_available():
        pytest.skip('this machine has CUDA')
    import subprocess
    proc = subprocess.run(['bash', 'tools/gpu_check.sh'], cwd=REPO_ROOT, capture_output=True, text=True,
                          env={'PATH': '/usr/bin:/bin', 'PYTHON': sys.executable})
    assert proc.returncode == 1 and 'GPU_CHECK_DRY_RUN=1' in proc.stderr and 'Traceback' not in proc.stderr


@pytest.mark.slow
def test_dry_run_of_every_step_on_the_cpu(tmp_path, shared_data):
    import subprocess
    out = tmp_path / 'gpu_check'
    proc = subprocess.run(['bash', 'tools/gpu_check.sh', '--out', str(out), '--data-root',
                           str(shared_data / 'camvid')], cwd=REPO_ROOT, capture_output=True, text=True,
                          env={'PATH': '/usr/bin:/bin', 'PYTHON': sys.executable, 'GPU_CHECK_DRY_RUN': '1',
                               'OMP_NUM_THREADS': '1'}, timeout=400)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = json.loads((out / 'gpu_check.json').read_text())['rows']
    assert len(rows) == 8 and all(r['status'] == 'ok' for r in rows)
    assert all(r['dusk/mIoU'] is not None for r in rows if r['step'].startswith('test'))
    assert all(r['latency_ms']['eager'] > 0 for r in rows if r['step'].startswith('latency'))
