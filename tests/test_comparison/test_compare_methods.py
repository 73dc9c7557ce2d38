"""tools/analysis/compare_methods.py: killed mid-run and re-run, it skips finished runs, trains the torn one
again, and its table's numbers are those of the runs' logs."""
import json
import shutil
import signal
import time
from pathlib import Path

import numpy as np
import pytest
from da_testing import REPO_ROOT, run_tool, small_config, start_tool

from mmseg_da.comparison import compare_methods
from mmseg_da.comparison.seed_runs import SeedRun, final_eval

TOOL = 'tools/analysis/compare_methods.py'
CONFIG = 'configs/camvid_day2dusk_source_only.py'


def child_pids(pid: int) -> list:
    """The live children of a process (Linux /proc; empty elsewhere)."""
    path = Path(f'/proc/{pid}/task/{pid}/children')
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def files_and_times(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob('*')}


def final_val_line(work_dir: Path) -> dict:
    """The last validation line of a run's scalars.json files, read without the package."""
    lines = [json.loads(t) for path in sorted(work_dir.glob('*/vis_data/scalars.json'))
             for t in path.read_text().splitlines() if t.strip()]
    return [line for line in lines if 'mIoU' in line][-1]


@pytest.fixture(scope='module')
def killed_then_resumed(tmp_path_factory, tiny_camvid):
    """The tool on one config x seeds 0 and 1, stopped by SIGTERM while seed 1 trains, then run again."""
    tmp = tmp_path_factory.mktemp('compare')
    cfg = small_config(CONFIG, tmp / 'cfg', tiny_camvid)
    work = tmp / 'runs'
    args = [str(cfg), '--baseline', str(cfg), '--seeds', '0', '1', '--work-dir', str(work)]
    proc = start_tool(TOOL, *args)
    seed0, seed1 = work / cfg.stem / 'seed0', work / cfg.stem / 'seed1'
    started = False
    for line in proc.stderr:
        if line.startswith('[2/2]'):
            started = True
            break
    assert started, f'seed 1 never started: {proc.communicate()}'
    deadline = time.monotonic() + 300
    while not list(seed1.glob('*/vis_data/config.py')) and time.monotonic() < deadline:
        time.sleep(0.2)  # kill once seed 1's Runner has begun writing its logs: a torn run
    children = child_pids(proc.pid)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    killed = dict(returncode=proc.returncode, children=children, seed0=files_and_times(seed0),
                  torn=sorted(p.name for p in seed1.iterdir() if p.is_dir()))
    resumed = run_tool(TOOL, *args)
    return dict(killed=killed, resumed=resumed, cfg=cfg, work=work, seed0=seed0, seed1=seed1)


def test_sigterm_stops_the_training_and_leaves_a_torn_run(killed_then_resumed):
    killed = killed_then_resumed['killed']
    assert killed['returncode'] == 128 + signal.SIGTERM
    assert killed['torn'], 'seed 1 had no log folder when it was stopped'
    for pid in killed['children']:  # the training process was stopped and reaped, not orphaned
        assert not Path(f'/proc/{pid}').exists()


def test_rerun_skips_finished_runs_and_trains_torn_ones_again(killed_then_resumed):
    resumed, seed1 = killed_then_resumed['resumed'], killed_then_resumed['seed1']
    stem = killed_then_resumed['cfg'].stem
    assert f'[1/2] {stem} seed 0: finished earlier, skipped' in resumed.stderr
    assert f'[2/2] {stem} seed 1: torn run cleared, training' in resumed.stderr
    # seed 0 untouched: no file added, removed or rewritten
    assert files_and_times(killed_then_resumed['seed0']) == killed_then_resumed['killed']['seed0']
    # seed 1 trained once from scratch: one log folder, not the torn one
    logs = [p.name for p in seed1.iterdir() if p.is_dir()]
    assert len(logs) == 1 and logs[0] not in killed_then_resumed['killed']['torn']
    assert final_val_line(seed1)['step'] == 2


def test_table_means_and_stds_equal_those_of_the_logs(killed_then_resumed):
    table = killed_then_resumed['resumed'].stdout
    vals = [final_val_line(killed_then_resumed[s]) for s in ('seed0', 'seed1')]
    rows = {}
    for line in table.splitlines():
        if line.startswith('| ') and not line.startswith('| :'):
            cells = [c.strip() for c in line.strip('|').split('|')]
            rows.setdefault(cells[0], cells)
    header, row = rows['config'], rows[f"{killed_then_resumed['cfg'].stem} (baseline)"]
    for domain in ('day', 'dusk'):
        values = [v[f'{domain}/mIoU'] for v in vals]
        assert row[header.index(f'{domain} mIoU')] == f'{np.mean(values):.2f} ± {np.std(values, ddof=1):.2f}'
    checked = 0
    for cls in ('sky', 'building', 'road', 'tree', 'car'):  # per class on the target (dusk)
        values = [v[f'dusk/IoU.{cls}'] for v in vals]
        cell = rows[cls][1]
        if all(np.isfinite(values)):
            assert cell == f'{np.mean(values):.2f} ± {np.std(values, ddof=1):.2f}'
            checked += 1
        else:
            assert cell == '-'
    assert checked >= 2


def test_finished_run_trained_differently_is_refused(killed_then_resumed):
    cfg, work, seed0 = killed_then_resumed['cfg'], killed_then_resumed['work'], killed_then_resumed['seed0']
    before = files_and_times(seed0)
    with pytest.raises(ValueError, match=r'trained differently.*train_cfg\.max_iters: 2 vs 3'):
        compare_methods([str(cfg)], [0, 1], str(work), str(REPO_ROOT / 'tools/train.py'), baseline=str(cfg),
                        cfg_options=['train_cfg.max_iters=3'])
    assert files_and_times(seed0) == before


def test_run_without_its_final_evaluation_is_torn(killed_then_resumed, tmp_path):
    copy = shutil.copytree(killed_then_resumed['seed0'], tmp_path / 'seed0')
    run = SeedRun(killed_then_resumed['cfg'], 0, copy)
    assert final_eval(run).iteration == 2
    scalars = next(copy.glob('*/vis_data/scalars.json'))
    lines = scalars.read_text().splitlines()
    scalars.write_text('\n'.join(line for line in lines if 'mIoU' not in line) + '\n')
    assert final_eval(run) is None
    scalars.write_text('\n'.join(lines) + '\n')
    assert final_eval(run) is not None
    dumped = next(copy.glob('*/vis_data/config.py'))  # the run's own config: evaluated at 2 of 4 iterations
    dumped.write_text(dumped.read_text().replace('max_iters=2', 'max_iters=4'))
    assert final_eval(run) is None


def test_domain_bn_table_reads_each_runs_own_statistics_report(killed_then_resumed):
    cfg, work = killed_then_resumed['cfg'], killed_then_resumed['work']
    lines = []
    table = compare_methods([str(cfg)], [0, 1], str(work), str(REPO_ROOT / 'tools/train.py'), baseline=str(cfg),
                            write=lines.append,
                            domain_bn_script=str(REPO_ROOT / 'tools/analysis/domain_bn.py'))
    reports = [killed_then_resumed[s] / 'domain_bn.json' for s in ('seed0', 'seed1')]
    assert all(r.is_file() for r in reports) and sum('own BatchNorm statistics' in x for x in lines) == 2
    plain, own = table.split('BatchNorm statistics re-estimated on its own test images')
    row = [line for line in own.splitlines() if line.startswith(f'| {cfg.stem} (baseline)')][0]
    cells = [c.strip() for c in row.strip('|').split('|')]
    for domain, column in (('day', 2), ('dusk', 4)):
        values = []
        for report in reports:
            entry = [d for d in json.loads(report.read_text())['domains'] if d['domain'] == domain][0]
            values.append(entry['own_statistics']['mIoU'])
        assert cells[column] == f'{np.mean(values):.2f} ± {np.std(values, ddof=1):.2f}'
    # the plain table is unchanged, and a second call reads the cached reports
    assert plain.startswith(killed_then_resumed['resumed'].stdout.split('\n')[0])
    times = [r.stat().st_mtime_ns for r in reports]
    lines.clear()
    again = compare_methods([str(cfg)], [0, 1], str(work), str(REPO_ROOT / 'tools/train.py'), baseline=str(cfg),
                            write=lines.append,
                            domain_bn_script=str(REPO_ROOT / 'tools/analysis/domain_bn.py'))
    assert again == table and [r.stat().st_mtime_ns for r in reports] == times
    assert not any('own BatchNorm statistics' in x for x in lines)


@pytest.fixture(scope='module')
def killed_after_a_checkpoint(tmp_path_factory, tiny_camvid):
    """A 4-iteration run with a checkpoint every iteration, SIGTERM'd once iter_2.pth is written, then re-run;
    beside it the same run trained in one go."""
    tmp = tmp_path_factory.mktemp('resume')
    cfg = small_config(CONFIG, tmp / 'cfg', tiny_camvid, length=4,
                       **{'default_hooks.checkpoint.interval': 1, 'default_hooks.checkpoint.max_keep_ckpts': -1})
    args = [str(cfg), '--baseline', str(cfg), '--seeds', '0']
    torn = tmp / 'torn'
    proc = start_tool(TOOL, *args, '--work-dir', str(torn))
    checkpoint = torn / cfg.stem / 'seed0' / 'iter_2.pth'
    deadline = time.monotonic() + 300
    while not checkpoint.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    stopped_at = sorted(p.name for p in checkpoint.parent.glob('iter_*.pth'))
    pointer = Path((checkpoint.parent / 'last_checkpoint').read_text().strip()).name
    resumed = run_tool(TOOL, *args, '--work-dir', str(torn))
    whole = run_tool(TOOL, *args, '--work-dir', str(tmp / 'whole'))
    return dict(cfg=cfg, stopped_at=stopped_at, pointer=pointer, resumed=resumed, whole=whole,
                torn=torn / cfg.stem / 'seed0', straight=tmp / 'whole' / cfg.stem / 'seed0')


@pytest.mark.slow  # three tool runs (~50 s); the default run keeps test_resume_exact's kill -9 + --resume
def test_torn_run_resumes_from_its_last_checkpoint_with_the_same_result(killed_after_a_checkpoint):
    runs = killed_after_a_checkpoint
    assert 'iter_4.pth' not in runs['stopped_at'], 'the run ended before it was stopped: nothing was torn'
    last = runs['pointer']  # the last checkpoint the run had completed (a save may have been under way)
    assert last in runs['stopped_at']
    assert f"seed 0: torn run resumed from {last}" in runs['resumed'].stderr
    assert len([p for p in runs['torn'].iterdir() if p.is_dir() and p.name[:2] == '20']) == 2  # two sessions
    first_step = [json.loads(t)['step'] for t in sorted(runs['torn'].glob('*/vis_data/scalars.json'))[-1]
                  .read_text().splitlines() if 'loss' in t][0]
    assert first_step == int(last[len('iter_'):-len('.pth')]) + 1  # not trained again from iteration 1
    metrics = [{k: v for k, v in final_val_line(runs[r]).items() if 'IoU' in k or 'Acc' in k}
               for r in ('torn', 'straight')]
    assert metrics[0] and metrics[0] == metrics[1]  # exact resume: the same metrics
    assert runs['resumed'].stdout == runs['whole'].stdout  # and the same table


@pytest.mark.slow
def test_jobs_train_runs_side_by_side_with_the_same_table(killed_then_resumed, tmp_path):
    cfg = killed_then_resumed['cfg']
    out = run_tool(TOOL, str(cfg), '--baseline', str(cfg), '--seeds', '0', '1', '--work-dir', str(tmp_path),
                   '--jobs', '2')
    assert out.stdout == killed_then_resumed['resumed'].stdout
    windows = []
    for seed in (0, 1):
        work = tmp_path / cfg.stem / f'seed{seed}'
        windows.append(((work / 'compare_run.json').stat().st_mtime, (work / 'train_output.log').stat().st_mtime))
    assert windows[1][0] < windows[0][1] and windows[0][0] < windows[1][1], 'the two runs did not overlap'


def test_jobs_must_be_positive(tmp_path):
    out = run_tool(TOOL, CONFIG, '--baseline', CONFIG, '--work-dir', str(tmp_path), '--jobs', '0', check=False)
    assert out.returncode != 0 and '--jobs 0' in out.stderr
