"""Every experiment config loads, imports the plugin, and names only registered types."""
import copy

import pytest
from da_testing.configs import CONFIG_FILES, loaded_config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, METRICS, MODELS, TRANSFORMS

import mmseg_da  # noqa: F401
from mmseg_da.config.walk import iter_dicts

CONFIGS = CONFIG_FILES


def types_in(node) -> list:
    """Every registered type named in a config node; weight initialisers live in mmengine's own registry."""
    return [d['type'] for d in iter_dicts(node, skip_keys=('init_cfg',)) if isinstance(d.get('type'), str)]


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.stem)
def test_config_loads_and_names_registered_types(path):
    cfg = loaded_config(path)
    assert cfg.default_scope == 'mmseg'
    assert 'mmseg_da' in cfg.custom_imports['imports']
    init_default_scope('mmseg')
    for kind, registry in (('model', MODELS), ('val_evaluator', METRICS)):
        for name in types_in(cfg[kind]):
            if registry is MODELS and name.endswith('PreProcessor'):
                continue
            assert registry.get(name) is not None or MODELS.get(name) is not None, f'{kind}: {name}'
    for name in types_in(cfg.train_dataloader.dataset):
        assert DATASETS.get(name) is not None or TRANSFORMS.get(name) is not None, name


def unique(nodes):
    seen, out = set(), []
    for node in nodes:
        key = repr(node)
        if key not in seen:
            seen.add(key)
            out.append(copy.deepcopy(node))  # builders may change what they are given; configs are shared
    return out


def transforms_in(node) -> list:
    """Every transform dict of every pipeline in a config node."""
    return [t for d in iter_dicts(node) for key in ('pipeline', 'transforms') if isinstance(d.get(key), (list, tuple))
            for t in d[key] if isinstance(t, dict) and 'type' in t]


CONFIG_DICTS = [loaded_config(p) for p in CONFIGS]
MODELS_USED = unique(c.model for c in CONFIG_DICTS)
TRANSFORMS_USED = unique(t for c in CONFIG_DICTS for t in transforms_in(c._cfg_dict.to_dict()))


@pytest.mark.parametrize('model', MODELS_USED, ids=lambda m: f"{m['type']}-{len(repr(m))}")
def test_every_model_the_configs_use_builds(model):
    """On mmcv-lite as on full mmcv (no compiled op is needed to build or run a forward pass)."""
    import torch
    init_default_scope('mmseg')
    built = MODELS.build(model)
    segmentor = getattr(built, 'segmentor', built)
    with torch.no_grad():
        logits = segmentor.eval()(torch.rand(1, 3, 64, 64), mode='tensor')
    assert logits.shape[0] == 1


@pytest.mark.parametrize('transform', TRANSFORMS_USED, ids=lambda t: t['type'])
def test_every_transform_the_configs_use_builds(transform):
    init_default_scope('mmseg')
    try:
        assert callable(TRANSFORMS.build(transform))
    except FileNotFoundError as err:  # built, then looked for its data (FDA's reference images)
        assert 'data/' in str(err), err
