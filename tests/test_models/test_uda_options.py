"""MICOptions and StrongAugOptions: train_cfg.mic / train_cfg.strong_aug, validated once, defaults in one place."""
import dataclasses

import pytest

from mmseg_da.models.utils.uda_options import MICOptions, StrongAugOptions


@pytest.mark.parametrize('cls', [MICOptions, StrongAugOptions])
def test_off_defaults_and_partial_dicts(cls):
    assert cls.from_cfg(None) is None and cls.from_cfg(False) is None
    assert cls.from_cfg(True) == cls() == cls.from_cfg({})
    first = dataclasses.fields(cls)[0]
    assert getattr(cls.from_cfg({first.name: 0.5}), first.name) == 0.5
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(cls(), first.name, 0.5)


def test_defaults():
    assert MICOptions() == MICOptions(mask_ratio=0.7, block_size=None, loss_weight=1.0, update_bn_stats=False)
    assert StrongAugOptions() == StrongAugOptions(color_jitter_strength=0.2, color_jitter_p=0.2, blur=True)


def test_numbers_are_stored_as_floats_and_block_size_as_int():
    options = MICOptions.from_cfg(dict(mask_ratio=0, loss_weight=2, block_size=32))
    assert type(options.mask_ratio) is float and type(options.loss_weight) is float
    assert type(options.block_size) is int
    assert type(StrongAugOptions(color_jitter_strength=1).color_jitter_strength) is float


@pytest.mark.parametrize('cls', [MICOptions, StrongAugOptions])
def test_unknown_keys_are_named_with_the_known_ones(cls):
    known = sorted(f.name for f in dataclasses.fields(cls))
    with pytest.raises(ValueError) as error:
        cls.from_cfg(dict(ratio=0.5, zeta=1))
    assert str(error.value) == f"unknown train_cfg.{cls.key} key(s) ['ratio', 'zeta']; known: {known}"


@pytest.mark.parametrize('value', ['kornia', 1, 0.5, ['mask_ratio']])
def test_a_group_is_a_dict_true_or_none(value):
    with pytest.raises(ValueError, match=r'train_cfg\.strong_aug must be a dict, True or None'):
        StrongAugOptions.from_cfg(value)


@pytest.mark.parametrize('key, value', [
    ('mask_ratio', 1.0), ('mask_ratio', -0.1), ('mask_ratio', '0.5'), ('mask_ratio', True),
    ('mask_ratio', float('nan')), ('block_size', 0), ('block_size', 16.0), ('block_size', True),
    ('loss_weight', -1.0), ('loss_weight', float('inf')), ('loss_weight', None), ('update_bn_stats', 1),
])
def test_bad_mic_values_are_named(key, value):
    with pytest.raises(ValueError, match=rf'train_cfg\.mic\.{key} must be .*, got {value!r}'):
        MICOptions.from_cfg({key: value})


@pytest.mark.parametrize('key, value', [
    ('color_jitter_strength', -0.2), ('color_jitter_p', 1.5), ('color_jitter_p', 'high'), ('blur', 'yes'),
    ('blur', None),
])
def test_bad_strong_aug_values_are_named(key, value):
    with pytest.raises(ValueError, match=rf'train_cfg\.strong_aug\.{key} must be .*, got {value!r}'):
        StrongAugOptions.from_cfg({key: value})
