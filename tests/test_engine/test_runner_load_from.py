"""DARunner's load_from: a plain checkpoint starts an adaptation model's segmentor, strictly."""
import pytest
import torch
from da_testing import save_random_checkpoint, small_config

from mmseg_da.apis import CheckpointMismatchError
from mmseg_da.models.utils.deployable import deployable_segmentor


def build_runner(config, load_from, work_dir):
    from mmseg.registry import RUNNERS

    from mmseg_da.config.loading import load_config
    cfg = load_config(str(config), {'load_from': str(load_from)}, str(work_dir))
    cfg.visualizer['name'] = f'load_from_{work_dir.name}'
    return RUNNERS.build(cfg)


@pytest.fixture(scope='module')
def configs(tmp_path_factory, tiny_loveda):
    tmp = tmp_path_factory.mktemp('load_from')
    return dict(tmp=tmp, plain=small_config('configs/pidnet_s_urban.py', tmp / 'plain', tiny_loveda),
                adaptation=small_config('configs/pidnet_s_urban2rural_adv_single.py', tmp / 'adv', tiny_loveda),
                five=small_config('configs/pidnet_s_urban.py', tmp / 'five', tiny_loveda,
                                  **{'model.decode_head.num_classes': 5}))


def test_plain_checkpoint_initialises_the_segmentor_of_an_adaptation_run(configs):
    state = save_random_checkpoint(configs['plain'], configs['tmp'] / 'warmup.pth', seed=3)
    runner = build_runner(configs['adaptation'], configs['tmp'] / 'warmup.pth', configs['tmp'] / 'w_adv')
    assert type(runner).__name__ == 'DARunner'
    runner.load_or_resume()
    loaded = deployable_segmentor(runner.model).state_dict()
    assert all(torch.equal(loaded[k], state[k]) for k in loaded)
    assert runner.iter == 0  # a fresh run: nothing but the weights was restored


def test_a_checkpoint_of_another_model_stops_the_run(configs):
    save_random_checkpoint(configs['five'], configs['tmp'] / 'five.pth', seed=4)
    runner = build_runner(configs['plain'], configs['tmp'] / 'five.pth', configs['tmp'] / 'w_five')
    with pytest.raises(CheckpointMismatchError, match=r'five\.pth.*differ in shape'):
        runner.load_or_resume()
