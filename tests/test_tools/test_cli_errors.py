"""Bad input to the tools: one clear paragraph naming the thing, non-zero exit, no traceback."""
import pytest
from da_testing import run_tool, small_config


def assert_clear_error(proc, *needles):
    err = proc.stderr
    assert proc.returncode != 0
    assert 'Traceback' not in err, err[-3000:]
    for needle in needles:
        assert needle in err, err[-3000:]


def test_missing_config(tmp_path):
    proc = run_tool('tools/train.py', str(tmp_path / 'nope.py'), check=False)
    assert_clear_error(proc, 'config file not found', 'nope.py')


def test_missing_checkpoint(tmp_path, tiny_loveda):
    cfg = small_config('configs/pidnet_s_urban.py', tmp_path, tiny_loveda)
    proc = run_tool('tools/test.py', str(cfg), str(tmp_path / 'missing.pth'), check=False)
    assert_clear_error(proc, 'checkpoint file not found', 'missing.pth')


@pytest.mark.slow  # builds the runner in a subprocess; registry errors are also covered in-process
def test_unknown_model_type(tmp_path, tiny_loveda):
    cfg = small_config('configs/pidnet_s_urban.py', tmp_path, tiny_loveda)
    proc = run_tool('tools/train.py', str(cfg), '--work-dir', str(tmp_path / 'w'),
                    '--cfg-options', 'model.type=NoSuchSegmentor', check=False)
    assert_clear_error(proc, 'NoSuchSegmentor')


@pytest.mark.slow  # the datasets' own tests cover missing folders in-process
def test_missing_data_root_names_the_path_and_where_loveda_comes_from(tmp_path, tiny_loveda):
    cfg = small_config('configs/pidnet_s_urban.py', tmp_path, tmp_path / 'no_loveda_here')
    proc = run_tool('tools/train.py', str(cfg), '--work-dir', str(tmp_path / 'w'), check=False)
    assert_clear_error(proc, 'no_loveda_here', '5706578')
