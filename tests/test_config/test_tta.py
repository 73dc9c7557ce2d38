"""apply_tta (tools/test.py --tta): the config transformation, and real TTA test runs per domain."""
from pathlib import Path
from typing import Optional

import numpy as np
import pytest
from da_testing import REPO_ROOT
from da_testing.runs import one_thread, tiny_runs
from mmengine.config import Config
from mmengine.runner import Runner
from PIL import Image

from mmseg_da.apis import load_segmentor_checkpoint
from mmseg_da.config.tta import apply_tta
from mmseg_da.models.segmentors import DomainSegTTAModel
from mmseg_da.models.utils.deployable import deployable_segmentor


def tta_types(pipeline: list) -> list:
    return [t['type'] for t in pipeline]


def test_adaptation_config_tests_its_segmentor_on_the_tta_pipeline():
    cfg = Config.fromfile(str(REPO_ROOT / 'configs/pidnet_s_urban2rural_adv_single.py'))
    segmentor = cfg.model.segmentor.to_dict()
    apply_tta(cfg)
    assert cfg.model.type == 'DomainSegTTAModel'  # the schedule base's mmseg SegTTAModel is replaced
    assert cfg.model.module.to_dict() == segmentor  # no discriminator, no UDA wrapper
    assert cfg.test_dataloader.dataset.pipeline == cfg.tta_pipeline
    assert 'TestTimeAug' not in tta_types(cfg.val_dataloader.dataset.pipeline)
    stages = {stage[0]['type']: stage for stage in cfg.tta_pipeline[-1]['transforms']}
    assert len(stages['Resize']) == 6 and len(stages['RandomFlip']) == 2  # multi-scale and flip
    assert list(stages)[-1] == 'PackDomainSegInputs'


def test_every_dataset_of_a_concatenated_test_set_gets_the_tta_pipeline():
    cfg = Config.fromfile(str(REPO_ROOT / 'configs/camvid_day2dusk_adv_single.py'))
    cfg.tta_model = dict(type='MyTTAModel', extra=1)  # a type of the user's own is kept
    apply_tta(cfg)
    datasets = cfg.test_dataloader.dataset.datasets
    assert [d.domain for d in datasets] == ['day', 'dusk']
    assert all('TestTimeAug' in tta_types(d.pipeline) for d in datasets)
    assert cfg.model.type == 'MyTTAModel' and cfg.model.extra == 1


def test_every_view_of_a_camvid_image_has_sides_divisible_by_8(tmp_path):
    """PIDNet fails on 180x240, CamVid's 240x320 test resolution scaled by 0.75."""
    from mmcv.transforms import Compose
    from mmengine.registry import DefaultScope
    cfg = Config.fromfile(str(REPO_ROOT / 'configs/camvid_day2dusk_source_only.py'))
    tta = cfg.tta_pipeline[-1]
    tta['transforms'] = [s for s in tta['transforms'] if s[0]['type'] not in ('CheckedLoadAnnotations', 'CheckSegMap')]
    image = tmp_path / 'frame.png'
    Image.fromarray(np.zeros((360, 480, 3), np.uint8)).save(image)
    with DefaultScope.overwrite_default_scope('mmseg'):
        views = Compose(cfg.tta_pipeline)(dict(img_path=str(image)))['inputs']
    sizes = {tuple(v.shape[-2:]) for v in views}
    assert len(views) == 12 and (240, 320) in sizes
    assert all(h % 8 == 0 and w % 8 == 0 for h, w in sizes), sizes


def test_a_config_without_tta_pipeline_is_a_clear_error(tmp_path):
    config = tmp_path / 'my_experiment.py'
    config.write_text("model = dict(type='EncoderDecoder')\ntest_dataloader = dict(dataset=dict(pipeline=[]))\n")
    with pytest.raises(KeyError, match=r'my_experiment\.py has no `tta_pipeline`'):
        apply_tta(Config.fromfile(str(config)))


# -- real test runs with the Runner, on the checkpoints of two tiny training runs ----------------------

@pytest.fixture(scope='module')
def runs(tmp_path_factory, tiny_loveda):
    return tiny_runs(tmp_path_factory, tiny_loveda)


def keep_one_view(cfg: Config) -> None:
    """TTA with one view: the test resolution (scale factor 1), not flipped."""
    one = dict(Resize=dict(type='Resize', scale_factor=1.0, keep_ratio=True),
               RandomFlip=dict(type='RandomFlip', prob=0.))
    stages = cfg.tta_pipeline[-1]['transforms']
    stages[:] = [[one[stage[0]['type']]] if stage[0]['type'] in one else stage for stage in stages]


def evaluate(config: Path, checkpoint: str, work_dir: Path, tta: Optional[str] = None) -> tuple:
    """The runner and its test metrics, without TTA, with ``tta='one view'`` or ``'all views'``.

    The checkpoint is loaded strictly into the deployable segmentor, as tools/test.py does.
    """
    cfg = Config.fromfile(str(config))
    cfg.work_dir, cfg.load_from = str(work_dir), None
    cfg.visualizer['name'] = f'visualizer_tta_{work_dir.name}'  # a process-wide singleton per name
    if tta == 'one view':
        keep_one_view(cfg)
    if tta is not None:
        apply_tta(cfg)
    runner = Runner.from_cfg(cfg)
    load_segmentor_checkpoint(deployable_segmentor(runner.model), checkpoint, str(config))
    with one_thread():
        return runner, runner.test()


@pytest.mark.parametrize('name', ['source_only', 'adapted'])
def test_tta_keeps_per_domain_metrics_and_one_view_equals_plain_testing(runs, name, tmp_path, monkeypatch):
    config = runs['configs'][name]
    checkpoint = (runs['runs'][name] / 'last_checkpoint').read_text().strip()
    _, plain = evaluate(config, checkpoint, tmp_path / f'{name}_plain')
    _, one_view = evaluate(config, checkpoint, tmp_path / f'{name}_one_view', tta='one view')
    assert one_view == plain and 'Rural/mIoU' in plain

    views = []  # per merged sample, its number of views
    merge_preds = DomainSegTTAModel.merge_preds
    monkeypatch.setattr(DomainSegTTAModel, 'merge_preds',
                        lambda self, lists: views.extend(map(len, lists)) or merge_preds(self, lists))
    runner, augmented = evaluate(config, checkpoint, tmp_path / f'{name}_tta', tta='all views')
    assert views == [6 * 2] * 4  # 4 val tiles, 6 scales x 2 flips
    assert type(runner.model).__name__ == 'DomainSegTTAModel'
    assert type(runner.model.module).__name__ == 'EncoderDecoder'
    for domain in ('Urban', 'Rural'):
        assert 0 <= augmented[f'{domain}/mIoU'] <= 100 and f'{domain}/IoU.building' in augmented
