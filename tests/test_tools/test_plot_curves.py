"""tools/analysis/plot_curves.py on the work dirs of two real tiny training runs."""
import numpy as np
import pytest
from da_testing import call_tool
from da_testing.runs import scalar_lines, tiny_runs, val_lines
from PIL import Image

from mmseg_da.reports.work_dir_logs import load_run

TOOL = 'tools/analysis/plot_curves.py'


@pytest.fixture(scope='module')
def runs(tmp_path_factory, tiny_loveda):
    return tiny_runs(tmp_path_factory, tiny_loveda)


def test_curves_png_is_a_valid_image_with_a_panel_per_key(runs, tmp_path, capsys):
    out = tmp_path / 'plots' / 'curves.png'
    work_dirs = [str(runs['runs']['source_only']), str(runs['runs']['adapted'])]
    assert call_tool(TOOL, *work_dirs, '--keys', 'loss', 'Rural/mIoU', '--out', str(out)) == 0
    assert '2 plot(s): loss, Rural/mIoU; 2 run(s)' in capsys.readouterr().out
    with Image.open(out) as image:
        image.verify()  # a complete, valid PNG
    with Image.open(out) as image:
        assert image.format == 'PNG'
        pixels = np.asarray(image.convert('RGB'))
    height, width, _ = pixels.shape
    assert width > 1.5 * height  # two panels side by side
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 10  # lines, text and legends, not a blank page


def test_series_are_the_logged_values_at_training_iterations(runs):
    work_dir = runs['runs']['adapted']
    run = load_run(work_dir)
    xs, ys = run.series('Rural/mIoU')
    logged = val_lines(work_dir)
    assert ys == [line['Rural/mIoU'] for line in logged]
    assert xs == [1, 2]  # validated after each epoch of one iteration (logged with step = epoch)
    xs, ys = run.series('loss')
    train = [line for line in scalar_lines(work_dir) if 'loss' in line]
    assert xs == [line['step'] for line in train] == [1, 2]
    assert ys == [line['loss'] for line in train]


def test_a_key_that_no_run_logged_is_an_error_naming_it(runs, tmp_path, capsys):
    out = tmp_path / 'curves.png'
    assert call_tool(TOOL, str(runs['runs']['source_only']), '--keys', 'no_such_key', '--out', str(out)) == 1
    err = capsys.readouterr().err
    assert 'no_such_key' in err and 'Rural/mIoU' in err  # lists what was logged
    assert not out.exists()
