"""AlbuAutoAugment: named AutoAugment policies of albumentations operations, labels moved with the geometry."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmseg.registry import TRANSFORMS

import mmseg_da  # noqa: F401
from mmseg_da.datasets.transforms.auto_augment import AUTO_AUGMENT_POLICIES, GEOMETRIC_OPS


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def _build(policy, **kwargs):
    return TRANSFORMS.build(dict(type='AlbuAutoAugment', policy=policy, **kwargs))


def test_named_policies_build_and_colour_variants_have_no_geometry():
    for name in ('imagenet', 'cifar10', 'imagenet_color', 'cifar10_color'):
        transform = _build(name)
        assert len(transform.transforms) == len(AUTO_AUGMENT_POLICIES[name]) > 0
    assert len(AUTO_AUGMENT_POLICIES['imagenet']) == 25
    assert all(len(sp) == 2 for sp in AUTO_AUGMENT_POLICIES['imagenet'])
    colour = AUTO_AUGMENT_POLICIES['imagenet_color']
    assert colour and not any(op in GEOMETRIC_OPS for sp in colour for op, _, _ in sp)


def test_photometric_sub_policy_changes_the_image_exactly_and_never_the_label():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    label = rng.integers(0, 5, (32, 32), dtype=np.uint8)
    out = _build([(('Invert', 1.0, None), ('Posterize', 1.0, 9))])(
        dict(img=img.copy(), gt_seg_map=label.copy(), seg_fields=['gt_seg_map']))
    np.testing.assert_array_equal(out['img'], (255 - img) & 0xF0)  # invert, then keep 4 bits
    np.testing.assert_array_equal(out['gt_seg_map'], label)


def test_probability_zero_operations_do_nothing():
    img = np.random.default_rng(1).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    out = _build([(('Invert', 0.0, None), ('Rotate', 0.0, 9))])(dict(img=img.copy()))
    np.testing.assert_array_equal(out['img'], img)


def test_geometric_operation_moves_image_and_label_together():
    cols = np.tile(np.arange(32, dtype=np.uint8), (32, 1))  # label = column index
    img = np.repeat((cols * 8)[..., None], 3, axis=2)  # image = 8 x column index
    out = _build([(('TranslateX', 1.0, 9), ('Equalize', 0.0, None))])(
        dict(img=img.copy(), gt_seg_map=cols.copy(), seg_fields=['gt_seg_map']))
    label, moved = out['gt_seg_map'], out['img'][..., 0].astype(int)
    filled = label == 255
    shift = 150 / 331 * 32
    assert abs(filled[0].sum() - shift) <= 1.5  # the uncovered side is ignored
    valid = ~filled
    steps = np.diff(label[0][valid[0]].astype(int))
    assert set(steps) == {1}  # a contiguous shifted run of columns
    # the image moved by the same amount (bilinear image vs nearest label: within one column)
    assert np.abs(moved[valid] - 8 * label[valid].astype(int)).max() <= 8


@pytest.mark.parametrize('policy, message', [
    ('autumn', "unknown policy 'autumn'"),
    ([(('Blur', 0.5, 3), ('Invert', 0.5, None))], "unknown operation 'Blur'"),
    ([(('Rotate', 0.5, 12), ('Invert', 0.5, None))], 'magnitude 12'),
    ([(('Rotate', 1.5, 3), ('Invert', 0.5, None))], 'probability 1.5'),
])
def test_bad_policies_are_clear_errors(policy, message):
    with pytest.raises(ValueError, match=message):
        _build(policy)


def test_float_images_are_refused():
    with pytest.raises(TypeError, match='uint8'):
        _build('imagenet')(dict(img=np.zeros((8, 8, 3), np.float32)))


def test_every_operation_builds_and_runs_at_every_magnitude():
    from mmseg_da.datasets.transforms.auto_augment import OPERATIONS
    rng = np.random.default_rng(2)
    img = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    label = rng.integers(0, 5, (24, 32), dtype=np.uint8)
    for op, (maximum, _) in OPERATIONS.items():
        for magnitude in ([None] if maximum is None else range(10)):
            out = _build([((op, 1.0, magnitude), )])(
                dict(img=img.copy(), gt_seg_map=label.copy(), seg_fields=['gt_seg_map']))
            assert out['img'].shape == img.shape and out['img'].dtype == np.uint8, (op, magnitude)
            assert set(np.unique(out['gt_seg_map'])) <= set(range(5)) | {255}, (op, magnitude)
