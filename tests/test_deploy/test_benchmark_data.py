"""tools/analysis/benchmark_data.py runs on a config and prints a rate per worker count."""
import re

from da_testing import REPO_ROOT, call_tool
from da_testing.writers import write_loveda

CONFIG = REPO_ROOT / 'configs' / '_base_' / 'datasets' / 'loveda_urban2rural.py'


def test_benchmark_prints_images_per_second(tmp_path, capsys):
    loveda_root = write_loveda(tmp_path / 'loveDA')  # a two-domain LoveDA layout of 32x32 tiles
    assert call_tool('tools/analysis/benchmark_data.py', str(CONFIG), '--workers', '0', '--num', '4',
                     '--batch-size', '2', '--data-root', str(loveda_root), '--presets', 'HF', 'SSR') == 0
    out = capsys.readouterr().out
    assert 'UDADataset of 4 items (2 image(s) each)' in out and "presets ['HF', 'SSR']" in out
    rate = re.search(r'workers=0:\s+([\d.]+) img/s', out)
    assert rate and float(rate.group(1)) > 0
