"""The project's checked loaders next to mmseg's own inference paths, which look for loaders by type name."""
import warnings
from pathlib import Path

import mmcv
import pytest
import torch
from da_testing import small_config
from mmengine.config import Config
from mmseg.registry import TRANSFORMS

import mmseg_da  # noqa: F401
from mmseg_da.apis import plain_config
from mmseg_da.config.walk import iter_dicts

LOADERS = {'CheckedLoadImageFromFile', 'CheckedLoadAnnotations', 'LoadImageFromFile', 'LoadAnnotations'}


@pytest.fixture(scope='module')
def plain(tmp_path_factory, tiny_loveda) -> Path:
    """configs/pidnet_s_urban.py (checked loaders in its pipelines) at 32x32, from scratch."""
    return small_config('configs/pidnet_s_urban.py', tmp_path_factory.mktemp('checked_loaders'), tiny_loveda)


def loader_types(node) -> set:
    return {d['type'] for d in iter_dicts(node) if d.get('type') in LOADERS}


def an_image(tiny_loveda: Path) -> str:
    return str(next((tiny_loveda / 'Val' / 'Rural' / 'images_png').glob('*.png')))


def test_mmseg_inference_model_runs_the_project_test_pipeline(plain, tiny_loveda):
    """mmseg drops only a step *named* LoadAnnotations: the checked one lets a bare image through."""
    from mmseg.apis import inference_model, init_model
    assert loader_types(Config.fromfile(str(plain)).test_pipeline) == {'CheckedLoadImageFromFile',
                                                                       'CheckedLoadAnnotations'}
    model = init_model(str(plain), None, device='cpu')
    by_path = inference_model(model, an_image(tiny_loveda)).pred_sem_seg.data
    by_array = inference_model(model, mmcv.imread(an_image(tiny_loveda))).pred_sem_seg.data
    assert by_path.shape == (1, 32, 32) and torch.equal(by_path, by_array)


def test_a_dataset_sample_without_a_mask_is_named():
    load = TRANSFORMS.build(dict(type='CheckedLoadAnnotations'))
    with pytest.raises(ValueError, match=r'sample a/b\.png has no mask \(no seg_map_path'):
        load(dict(img_path='a/b.png', seg_fields=[]))
    bare = dict(img_path='a/b.png')
    assert load(dict(bare)) == bare


def test_the_deploy_config_names_mmseg_loaders_for_mmseg_inferencer(plain, tiny_loveda, tmp_path):
    from mmseg.apis import MMSegInferencer
    deploy = tmp_path / 'deploy.py'
    plain_config(str(plain), str(deploy))
    cfg = Config.fromfile(str(deploy))
    assert loader_types(cfg._cfg_dict) == {'LoadImageFromFile', 'LoadAnnotations'}
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with pytest.raises(ValueError, match='LoadImageFromFile is not found'):  # why the deploy config renames
            MMSegInferencer(model=str(plain), weights=None, device='cpu')
        result = MMSegInferencer(model=str(deploy), weights=None, device='cpu')(an_image(tiny_loveda))
    assert result['predictions'].shape == (32, 32)
