"""tools/test.py refuses what would give a meaningless table: NaN weights, a split without masks."""
import pytest
import torch
from da_testing import call_tool, run_tool, save_random_checkpoint, small_config

CONFIG = 'configs/pidnet_s_urban.py'


@pytest.fixture(scope='module')
def setup(tmp_path_factory, tiny_loveda):
    tmp = tmp_path_factory.mktemp('test_tool_refusals')
    config = small_config(CONFIG, tmp / 'cfg', tiny_loveda)
    save_random_checkpoint(config, tmp / 'random.pth', seed=1)
    state = save_random_checkpoint(config, tmp / 'diverged.pth', seed=1)
    key = next(k for k in state if k.endswith('bn.running_var'))
    state[key] = torch.full_like(state[key], float('nan'))
    torch.save({'state_dict': state}, tmp / 'diverged.pth')
    return tmp, config, key


def test_a_checkpoint_with_nan_weights_is_refused_naming_the_file_and_tensor(setup, capsys):
    tmp, config, key = setup
    code = call_tool('tools/test.py', str(config), str(tmp / 'diverged.pth'), '--work-dir', str(tmp / 'w1'))
    err = capsys.readouterr().err
    assert code == 1 and 'Traceback' not in err, err[-3000:]
    assert f"checkpoint '{tmp / 'diverged.pth'}' is unusable: 1 of its" in err
    assert f'the first {key} (' in err and 'diverged' in err, err


def test_a_split_without_masks_names_the_split_and_the_images(setup):
    tmp, config, _ = setup
    # a real process: in-process, mmengine's loggers may still hold streams pytest closed after earlier tests
    proc = run_tool('tools/test.py', str(config), str(tmp / 'random.pth'), '--work-dir', str(tmp / 'w2'),
                    '--cfg-options', 'test_dataloader.dataset.split=Test', check=False)
    code, err = proc.returncode, proc.stderr
    assert code == 1 and 'Traceback' not in err and 'seg_map_path' not in err, err[-3000:]
    assert "split 'Test' of LoveDADomainDataset (domains ['Urban', 'Rural']) gives 2 of its 2 images no mask" in err
    assert 'Test/Urban/images_png/' in err and 'tools/predict.py' in err, err
