"""An adaptation config trained on a plain dataset stops before the first iteration, naming the field."""
import pytest
from da_testing import small_config
from mmengine.config import Config
from mmengine.runner import Runner

import mmseg_da  # noqa: F401


def test_adaptation_model_on_a_plain_dataset_fails_before_training(tmp_path, tiny_loveda):
    path = small_config('configs/pidnet_s_urban2rural_adv_single.py', tmp_path / 'cfg', tiny_loveda,
                        length=1, **{'model.disc_input_scale': 'input'})
    cfg = Config.fromfile(str(path))
    assert dict(type='UDADataCheckHook') in cfg.custom_hooks
    assert cfg.default_hooks.iteration_seed == dict(type='IterationSeedHook')  # from the schedule base
    source = cfg.train_dataloader.dataset.source
    cfg.train_dataloader.dataset = source  # a plain LoveDADomainDataset
    cfg.work_dir = str(tmp_path / 'run')
    runner = Runner.from_cfg(cfg)
    with pytest.raises(TypeError, match=r'train_dataloader\.dataset: AdversarialSegmentor .* UDADataset.*got '
                                        r'LoveDADomainDataset'):
        runner.train()
    assert runner.iter == 0
