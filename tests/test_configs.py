"""Every experiment config loads, imports the plugin, and names only registered types."""
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, METRICS, MODELS, TRANSFORMS

import mmseg_da  # noqa: F401

CONFIGS = sorted((Path(__file__).resolve().parents[1] / 'configs').glob('*.py'))


def types_in(node, found):
    if isinstance(node, dict):
        if isinstance(node.get('type'), str):
            found.append(node['type'])
        for key, value in node.items():
            if key != 'init_cfg':  # weight initialisers live in mmengine's own registry
                types_in(value, found)
    elif isinstance(node, (list, tuple)):
        for value in node:
            types_in(value, found)
    return found


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.stem)
def test_config_loads_and_names_registered_types(path):
    cfg = Config.fromfile(str(path))
    assert cfg.default_scope == 'mmseg'
    assert 'mmseg_da' in cfg.custom_imports['imports']
    init_default_scope('mmseg')
    for kind, registry in (('model', MODELS), ('val_evaluator', METRICS)):
        for name in types_in(cfg[kind], []):
            if registry is MODELS and name.endswith('PreProcessor'):
                continue
            assert registry.get(name) is not None or MODELS.get(name) is not None, f'{kind}: {name}'
    for name in types_in(cfg.train_dataloader.dataset, []):
        assert DATASETS.get(name) is not None or TRANSFORMS.get(name) is not None, name
