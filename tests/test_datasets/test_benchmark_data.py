"""tools/analysis/benchmark_data.py runs on a config and prints a rate per worker count."""
import re
import runpy
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'analysis' / 'benchmark_data.py'
CONFIG = Path(__file__).resolve().parents[2] / 'configs' / '_base_' / 'datasets' / 'loveda_urban2rural.py'


def test_benchmark_prints_images_per_second(loveda_root, monkeypatch, capsys):
    monkeypatch.setattr(sys, 'argv', [str(TOOL), str(CONFIG), '--workers', '0', '--num', '4', '--batch-size', '2',
                                      '--data-root', str(loveda_root), '--presets', 'HF', 'SSR'])
    runpy.run_path(str(TOOL), run_name='__main__')
    out = capsys.readouterr().out
    assert 'UDADataset of 4 items (2 image(s) each)' in out and "presets ['HF', 'SSR']" in out
    rate = re.search(r'workers=0:\s+([\d.]+) img/s', out)
    assert rate and float(rate.group(1)) > 0
