"""UDAOptimWrapperConstructor from config, the keyed schedulers, and the UDA dataset check hook."""
import copy

import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict, build_optim_wrapper
from mmengine.registry import init_default_scope
from mmseg.registry import OPTIM_WRAPPERS
from torch import nn

import mmseg_da  # noqa: F401
from mmseg_da.engine.optimizers import UDAOptimWrapperConstructor


class TwoPart(nn.Module):
    """Stands in for an adaptation model: a segmentor, a discriminator and a frozen teacher."""

    def __init__(self):
        super().__init__()
        self.segmentor = nn.Sequential(nn.Conv2d(3, 4, 1))
        self.segmentor.add_module('decode_head', nn.Conv2d(4, 2, 1))
        self.discriminator = nn.Conv2d(2, 1, 1)
        self.teacher = nn.Conv2d(3, 2, 1).requires_grad_(False)


@OPTIM_WRAPPERS.register_module(force=True)
class _TaggedOptimWrapper(OptimWrapper):
    """A wrapper type other than the default, to see the ``type`` of each entry honoured."""


CFG = dict(
    constructor='UDAOptimWrapperConstructor',
    segmentor=dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
                   paramwise_cfg=dict(custom_keys={'decode_head': dict(lr_mult=10.0)})),
    discriminator=dict(type='_TaggedOptimWrapper', optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.9))))


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mmseg')


def test_builds_one_wrapper_per_submodule_from_config():
    model = TwoPart()
    wrappers = build_optim_wrapper(model, copy.deepcopy(CFG))
    assert isinstance(wrappers, OptimWrapperDict)
    assert set(wrappers.keys()) == {'segmentor', 'discriminator'}
    seg, disc = wrappers['segmentor'], wrappers['discriminator']
    assert type(seg) is OptimWrapper and type(disc) is _TaggedOptimWrapper
    assert isinstance(seg.optimizer, torch.optim.SGD) and isinstance(disc.optimizer, torch.optim.Adam)
    seg_params = {id(p) for g in seg.optimizer.param_groups for p in g['params']}
    assert seg_params == {id(p) for p in model.segmentor.parameters()}
    disc_params = [p for g in disc.optimizer.param_groups for p in g['params']]
    assert {id(p) for p in disc_params} == {id(p) for p in model.discriminator.parameters()}
    assert disc.optimizer.param_groups[0]['betas'] == (0.5, 0.9)
    head_lrs = {g['lr'] for g in seg.optimizer.param_groups
                if any(p is model.segmentor.decode_head.weight for p in g['params'])}
    assert len(head_lrs) == 1 and head_lrs.pop() == pytest.approx(0.1)  # the entry's paramwise_cfg applies
    lrs = wrappers.get_lr()  # what the logger shows
    assert lrs['discriminator.lr'] == [2e-4] and 0.01 in lrs['segmentor.lr']


def test_discriminator_defaults_to_adaptsegnet_adam_of_the_segmentor_wrapper_type():
    cfg = dict(constructor='UDAOptimWrapperConstructor',
               segmentor=dict(type='_TaggedOptimWrapper', optimizer=dict(type='SGD', lr=0.01)))
    wrappers = build_optim_wrapper(TwoPart(), cfg)
    disc = wrappers['discriminator']
    assert type(disc) is _TaggedOptimWrapper  # --amp on the segmentor entry reaches it too
    assert isinstance(disc.optimizer, torch.optim.Adam)
    assert disc.optimizer.param_groups[0]['lr'] == 1e-4
    assert disc.optimizer.param_groups[0]['betas'] == (0.9, 0.99)


def test_ddp_style_wrapper_is_unwrapped():
    class Wrapper(nn.Module):
        def __init__(self, module):
            super().__init__()
            self.module = module
    from mmengine.registry import MODEL_WRAPPERS
    MODEL_WRAPPERS.register_module(name='_TestWrapper', module=Wrapper, force=True)
    wrappers = UDAOptimWrapperConstructor(copy.deepcopy({k: v for k, v in CFG.items() if k != 'constructor'}))(
        Wrapper(TwoPart()))
    assert set(wrappers.keys()) == {'segmentor', 'discriminator'}


@pytest.mark.parametrize('cfg,match', [
    (dict(optimizer=dict(type='SGD', lr=0.1)), r"invalid: \['optimizer'\]"),
    (dict(segmentor=dict(optimizer=dict(type='SGD', lr=0.1)), generator=dict(optimizer=dict(type='SGD', lr=1))),
     r"no submodule \['generator'\]"),
    (dict(discriminator=dict(optimizer=dict(type='SGD', lr=0.1))), r"trainable submodules \['segmentor'\]"),
    (dict(segmentor=dict(lr=0.1)), r"invalid: \['segmentor'\]"),
])
def test_bad_configs_name_the_field(cfg, match):
    with pytest.raises(ValueError, match=match):
        build_optim_wrapper(TwoPart(), dict(constructor='UDAOptimWrapperConstructor', **cfg))


def test_top_level_paramwise_cfg_is_refused():
    with pytest.raises(ValueError, match='inside each submodule entry'):
        build_optim_wrapper(TwoPart(), dict(copy.deepcopy(CFG), paramwise_cfg=dict(norm_decay_mult=0)))
