"""Speed against accuracy: the Pareto front (mmseg_da.reports.plot_pareto), tools/analysis/plot_pareto.py and the
speed-accuracy table of tools/analysis/results_table.py, on small fake work dirs (a config and its logged mIoU)."""
import json
import struct
from pathlib import Path
from typing import Optional

import pytest
from da_testing import call_tool

from mmseg_da.reports.plot_pareto import ParetoPoint, collect_points, pareto_front
from mmseg_da.reports.work_dir_logs import load_runs

TOOL = 'tools/analysis/plot_pareto.py'
TABLE_TOOL = 'tools/analysis/results_table.py'

SEGMENTOR = "dict(type='EncoderDecoder', backbone=dict(type='PIDNet'), decode_head=dict(type='PIDHead'))"
URBAN = "dict(type='LoveDADomainDataset', domain='Urban')"
RURAL = "dict(type='LoveDADomainDataset', domain='Rural')"


def fake_run(root: Path, name: str, urban: float, rural: float, method: Optional[str] = None,
             latency: Optional[float] = None, backend: str = 'onnxruntime') -> Path:
    """A work dir as tools/train.py leaves it (dumped config, one validation line) and, with ``latency``, the
    benchmark.json of tools/benchmark.py --json."""
    work_dir = root / name
    (work_dir / '20240101_000000' / 'vis_data').mkdir(parents=True)
    if method:
        model = f"dict(type='{method}', segmentor={SEGMENTOR})"
        dataset = f"dict(type='UDADataset', source={URBAN}, target={RURAL})"
    else:
        model, dataset = SEGMENTOR, URBAN
    (work_dir / f'{name}.py').write_text(f'model = {model}\ntrain_dataloader = dict(batch_size=2, dataset={dataset})\n'
                                         "train_cfg = dict(type='IterBasedTrainLoop', max_iters=10)\n")
    line = {'Urban/mIoU': urban, 'Rural/mIoU': rural, 'step': 10}
    (work_dir / '20240101_000000' / 'vis_data' / 'scalars.json').write_text(json.dumps(line) + '\n')
    if latency is not None:
        (work_dir / 'benchmark.json').write_text(json.dumps(dict(
            device='cpu', device_name='Test CPU', backend=backend, mode=backend, mean_ms=latency, std_ms=0.5,
            shape=[512, 512], batch=1, gflops_per_s=11.87 / latency * 1e3, peak_fraction=0.5)))
    return work_dir


@pytest.fixture
def runs(tmp_path):
    """Source-only (fast, 20.0 Rural), adversarial (slower and better: 25.0) and one dominated by both (FDA)."""
    return dict(
        source_only=fake_run(tmp_path, 'source_only', 50.0, 20.0, latency=30.0),
        adv=fake_run(tmp_path, 'adv', 48.0, 25.0, method='AdversarialSegmentor', latency=60.0),
        dominated=fake_run(tmp_path, 'fda', 49.0, 19.0, method='FDASegmentor', latency=40.0))


def test_pareto_front_keeps_the_undominated_points():
    points = [ParetoPoint('a', 'g', 10, 40), ParetoPoint('b', 'g', 20, 45), ParetoPoint('c', 'g', 15, 39),
              ParetoPoint('d', 'g', 20, 44), ParetoPoint('e', 'g', 30, 45), ParetoPoint('f', 'g', 5, 30)]
    assert [p.label for p in pareto_front(points)] == ['f', 'a', 'b']
    # a tie in both numbers: neither dominates the other
    assert [p.label for p in pareto_front([ParetoPoint('x', 'g', 1, 1), ParetoPoint('y', 'g', 1, 1)])] == ['x', 'y']


def test_points_and_means_from_work_dirs(runs, tmp_path):
    target, points = collect_points(load_runs(runs.values()))
    assert target == 'Rural'
    by_label = {p.label: p for p in points}
    assert by_label['adv'].miou == 25.0 and by_label['adv'].latency_ms == 60.0
    assert by_label['adv'].group == 'AdversarialSegmentor (PIDNet (PIDHead))'
    assert [p.label for p in pareto_front(points)] == ['source_only', 'adv']

    second = fake_run(tmp_path, 'adv_seed1', 47.0, 27.0, method='AdversarialSegmentor', latency=62.0)
    _, means = collect_points(load_runs([*runs.values(), second]), mean=True)
    adv = next(p for p in means if p.label.startswith('AdversarialSegmentor'))
    assert adv.runs == 2 and adv.miou == pytest.approx(26.0) and adv.latency_ms == pytest.approx(61.0)
    assert adv.miou_std == pytest.approx(2 ** 0.5) and adv.latency_std == pytest.approx(2 ** 0.5)


def png_size(path: Path):
    data = path.read_bytes()
    assert data[:8] == b'\x89PNG\r\n\x1a\n' and data[12:16] == b'IHDR'
    return struct.unpack('>II', data[16:24])


def test_tool_writes_a_png_and_names_the_front(runs, tmp_path, capsys):
    out = tmp_path / 'plots' / 'pareto.png'
    assert call_tool(TOOL, *map(str, runs.values()), '--out', str(out), '--log-x') == 0
    printed = capsys.readouterr().out
    width, height = png_size(out)
    assert width > 100 and height > 100
    assert 'Pareto front: source_only (30.0 ms, 20.00), adv (60.0 ms, 25.00)' in printed
    assert '3 point(s), Rural mIoU' in printed


def test_tool_without_latencies_is_a_clear_error(tmp_path, capsys):
    bare = [fake_run(tmp_path, 'a', 50.0, 20.0), fake_run(tmp_path, 'b', 48.0, 25.0, method='AdversarialSegmentor')]
    assert call_tool(TOOL, *map(str, bare), '--out', str(tmp_path / 'p.png')) == 1
    err = capsys.readouterr().err
    assert 'no run has both a target mIoU and a latency' in err and 'benchmark.json' in err and str(bare[0]) in err
    assert not (tmp_path / 'p.png').exists()


def test_results_table_puts_latency_beside_target_miou_and_gain(runs, tmp_path, capsys):
    (runs['dominated'] / 'benchmark.json').unlink()  # a run without benchmark.json: dashes, not an error
    out = tmp_path / 'results.md'
    assert call_tool(TABLE_TOOL, *map(str, runs.values()), '--out', str(out), '--no-per-class') == 0
    lines = out.read_text().splitlines()
    start = lines.index('### PIDNet (PIDHead): speed and accuracy on Rural')
    header = [c.strip() for c in lines[start + 2].strip('|').split('|')]
    rows = {r[0]: dict(zip(header, r)) for r in ([c.strip() for c in line.strip('|').split('|')]
                                                  for line in lines[start + 4:start + 7])}
    assert header == ['VERSION', 'METHOD', 'mIoU (%) Rural', 'GAIN (points)', 'LATENCY (ms)', 'GFLOP/s', 'BACKEND',
                      'DEVICE']
    assert rows['source_only']['GAIN (points)'] == 'baseline' and rows['source_only']['METHOD'] == 'source only'
    assert rows['adv']['mIoU (%) Rural'] == '25.00' and rows['adv']['GAIN (points)'] == '+5.00'
    assert rows['adv']['LATENCY (ms)'] == '60.00 ± 0.50' and rows['adv']['BACKEND'] == 'onnxruntime'
    assert rows['adv']['DEVICE'] == 'cpu (Test CPU)' and rows['adv']['GFLOP/s'] == '197.8 (50% of peak)'
    assert rows['fda']['GAIN (points)'] == '-1.00'
    assert [rows['fda'][k] for k in ('LATENCY (ms)', 'GFLOP/s', 'BACKEND', 'DEVICE')] == ['-'] * 4
    # another baseline and target on request
    assert call_tool(TABLE_TOOL, *map(str, runs.values()), '--out', str(out), '--no-per-class', '--target', 'Urban',
                     '--baseline', 'adv') == 0
    text = out.read_text()
    assert 'speed and accuracy on Urban' in text and '| +2.00' in text  # source_only: 50.0 - 48.0
    capsys.readouterr()
    assert call_tool(TABLE_TOOL, *map(str, runs.values()), '--baseline', 'nope') == 1
    assert '--baseline nope: no such run' in capsys.readouterr().err
