"""AlbuAugment presets keep image and mask aligned; photometric presets; colour order, shapes, errors; packing."""
import warnings

import albumentations as A
import cv2
import numpy as np
import pytest
from mmseg.datasets.transforms import PackSegInputs

from mmseg_da.datasets.transforms import ALBU_PRESETS, AlbuAugment, PackDomainSegInputs
from mmseg_da.datasets.transforms.albu import ALBU_PRESET_GROUPS, expand_presets

# Distinct, non-black BGR colours for labels 0..5 (black is the fill of padded / dropped-out pixels).
PHOTO = ['GAMMA', 'HSV', 'CLAHE', 'DARK', 'NOISE']
PALETTE = np.array([[200, 30, 30], [30, 200, 30], [30, 30, 200], [200, 200, 30], [200, 30, 200],
                    [30, 200, 200]], np.uint8)


def painted(seed: int = 0, size: int = 64) -> dict:
    """A sample whose image is its mask painted with PALETTE (16x16 blocks)."""
    rng = np.random.default_rng(seed)
    mask = np.kron(rng.integers(0, 6, (size // 16, size // 16)), np.ones((16, 16), np.int64)).astype(np.uint8)
    return dict(img=PALETTE[mask].copy(), gt_seg_map=mask, img_shape=mask.shape, seg_fields=['gt_seg_map'],
                img_path='painted.png')


def interior(mask: np.ndarray, label: int) -> np.ndarray:
    """Pixels of ``label`` whose 5x5 neighbourhood is all ``label`` (away from interpolated edges)."""
    region = (mask == label).astype(np.uint8)
    return cv2.erode(region, np.ones((5, 5), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0


def assert_aligned(out: dict, fill_label: int = 255) -> None:
    img, mask = out['img'].astype(int), out['gt_seg_map']
    for label in range(len(PALETTE)):
        inner = interior(mask, label)
        if inner.any():
            assert np.abs(img[inner] - PALETTE[label]).max() <= 2, f'label {label} misaligned'
    filled = interior(mask, fill_label)
    if filled.any():
        assert img[filled].max() == 0  # the mask is ignore exactly where the image was padded / dropped


def test_hf_flips_image_and_mask_together():
    before = painted()
    out = AlbuAugment(presets=['HF'], overrides=dict(HF=dict(p=1.0))).transform(painted())
    assert np.array_equal(out['img'], before['img'][:, ::-1])
    assert np.array_equal(out['gt_seg_map'], before['gt_seg_map'][:, ::-1])


def test_ssr_keeps_alignment_and_ignores_padding():
    np.random.seed(0)
    aug = AlbuAugment(presets=['SSR'], overrides=dict(SSR=dict(p=1.0, scale=(0.8, 0.8), rotate=(12, 12))))
    out = aug.transform(painted())
    assert not np.array_equal(out['gt_seg_map'], painted()['gt_seg_map'])
    assert (out['gt_seg_map'] == 255).sum() > 100  # padding became ignore
    assert set(np.unique(out['gt_seg_map'])) <= set(range(6)) | {255}  # nearest: no blended labels
    assert_aligned(out)


def test_ssr_preset_parameters():
    affine = AlbuAugment(presets=['SSR']).transforms[0]
    assert type(affine).__name__ == 'Affine'
    assert affine.fill == 0 and affine.fill_mask == 255
    assert affine.mask_interpolation == cv2.INTER_NEAREST and affine.interpolation == cv2.INTER_LINEAR


def test_bc_changes_colours_only():
    np.random.seed(1)
    before = painted()
    out = AlbuAugment(presets=['BC'], overrides=dict(BC=dict(p=1.0, brightness_limit=(0.2, 0.2)))).transform(
        painted())
    assert np.array_equal(out['gt_seg_map'], before['gt_seg_map'])
    assert not np.array_equal(out['img'], before['img'])
    for label in range(len(PALETTE)):  # a per-pixel colour change: one label, one colour
        assert len(np.unique(out['img'][out['gt_seg_map'] == label], axis=0)) <= 1


def test_cd_drops_image_and_mask_together():
    np.random.seed(2)
    out = AlbuAugment(presets=['CD'], overrides=dict(CD=dict(p=1.0))).transform(painted())
    dropped = out['gt_seg_map'] == 255
    assert dropped.any()
    assert out['img'][dropped].max() == 0 and (out['img'][~dropped].max(axis=1) > 0).all()
    assert_aligned(out)


def test_all_presets_together_keep_alignment():
    np.random.seed(3)
    aug = AlbuAugment(presets=['HF', 'SSR', 'BC', 'CD'], overrides={k: dict(p=1.0) for k in ('HF', 'SSR', 'CD')})
    for seed in range(3):
        out = aug.transform(painted(seed))
        # BC shifts the colours: compare against the colour each label now has
        mask, img = out['gt_seg_map'], out['img'].astype(int)
        for label in range(len(PALETTE)):
            inner = interior(mask, label)
            if inner.any():
                assert np.abs(img[inner] - np.median(img[inner], axis=0)).max() <= 3


def test_rgb_order_inside_albumentations():
    red = dict(img=np.zeros((8, 8, 3), np.uint8), img_shape=(8, 8))
    red['img'][..., 2] = 255  # BGR red
    out = AlbuAugment(transforms=[dict(type='ToGray', p=1.0)]).transform(red)
    # ToGray weighs R by 0.299 (76) and B by 0.114 (29): red must be seen as red
    assert abs(int(out['img'][0, 0, 0]) - 76) <= 1


def test_shape_change_updates_img_shape_and_image_only_samples():
    out = AlbuAugment(transforms=[dict(type='Resize', height=16, width=24)]).transform(painted())
    assert out['img'].shape == (16, 24, 3) and out['gt_seg_map'].shape == (16, 24)
    assert out['img_shape'] == (16, 24)
    image_only = painted()
    del image_only['gt_seg_map']
    image_only['seg_fields'] = []
    out = AlbuAugment(presets=['HF'], overrides=dict(HF=dict(p=1.0))).transform(image_only)
    assert 'gt_seg_map' not in out and out['img'].shape == (64, 64, 3)


def test_seeded_by_numpy_in_each_process():
    outs = []
    for _ in range(2):
        np.random.seed(7)
        aug = AlbuAugment(presets=['SSR', 'CD'], overrides=dict(SSR=dict(p=1.0), CD=dict(p=1.0)))
        outs.append(aug.transform(painted())['gt_seg_map'])
    assert np.array_equal(outs[0], outs[1])


def test_empty_presets_is_identity_and_errors():
    sample = painted()
    assert AlbuAugment().transform(sample) is sample
    known = r"known presets: \['HF', 'SSR', 'BC', 'CD', 'GAMMA', 'HSV', 'CLAHE', 'DARK', 'NOISE'\], groups: \['PHOTO'\]"
    with pytest.raises(ValueError, match=r"preset\(s\) \['HFlip'\]; " + known):
        AlbuAugment(presets=['HF', 'HFlip'])
    with pytest.raises(ValueError, match=r"preset\(s\) \['Gamma'\]; " + known):
        AlbuAugment(presets=['PHOTO'], overrides=dict(Gamma=dict(p=1.0)))
    with pytest.raises(ValueError, match="'NoSuchTransform' is not an albumentations transform"):
        AlbuAugment(transforms=[dict(type='NoSuchTransform')])
    with_edges = painted()
    with_edges['gt_edge_map'] = np.zeros((64, 64), np.uint8)
    with pytest.raises(ValueError, match=r"painted\.png also has \['gt_edge_map'\].*GenerateEdge"):
        AlbuAugment(presets=['HF']).transform(with_edges)


def test_presets_build_without_deprecation_warnings():
    assert list(ALBU_PRESETS) == ['HF', 'SSR', 'BC', 'CD'] + PHOTO
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        AlbuAugment(presets=list(ALBU_PRESETS))


def test_pack_domain_seg_inputs_adds_domain_to_mmseg_meta_keys():
    packer = PackDomainSegInputs()
    assert set(PackSegInputs().meta_keys) | {'domain'} == set(packer.meta_keys)
    sample = painted()
    sample.update(domain='Urban', ori_shape=(64, 64))
    packed = packer(sample)
    assert packed['data_samples'].domain == 'Urban'
    assert packed['data_samples'].gt_sem_seg.data.shape == (1, 64, 64)
    assert 'domain' not in PackSegInputs()(painted())['data_samples'].metainfo


@pytest.mark.parametrize('name', PHOTO)
def test_photometric_presets_change_the_image_only(name):
    np.random.seed(4)
    before = painted()
    aug = AlbuAugment(presets=[name], overrides={name: dict(p=1.0)})
    assert isinstance(aug.transforms[0], A.ImageOnlyTransform) and aug.transforms[0].p == 1.0
    out = aug.transform(painted())
    assert not np.array_equal(out['img'], before['img'])
    assert out['img'].shape == before['img'].shape and out['img'].dtype == np.uint8
    assert out['gt_seg_map'].dtype == before['gt_seg_map'].dtype
    assert np.array_equal(out['gt_seg_map'], before['gt_seg_map'])


def test_photometric_preset_probabilities_and_dark_skew():
    probs = {name: AlbuAugment(presets=[name]).transforms[0].p for name in PHOTO}
    assert probs == dict(GAMMA=0.5, HSV=0.5, CLAHE=0.2, DARK=0.5, NOISE=0.5)
    np.random.seed(0)
    aug = AlbuAugment(presets=['DARK'], overrides=dict(DARK=dict(p=1.0)))
    change = [aug.transform(painted(seed))['img'].mean() - painted(seed)['img'].mean() for seed in range(20)]
    assert np.mean(change) < -10 and np.mean(np.array(change) < 0) > 0.7  # mostly darker


def test_photo_group_expands_in_order_and_overrides_its_presets():
    assert ALBU_PRESET_GROUPS['PHOTO'] == ('DARK', 'GAMMA', 'HSV', 'CLAHE', 'NOISE')
    assert expand_presets('PHOTO') == ['DARK', 'GAMMA', 'HSV', 'CLAHE', 'NOISE']
    aug = AlbuAugment(presets=['HF', 'PHOTO'], overrides=dict(CLAHE=dict(p=0.9)))
    assert aug.presets == ['HF', 'DARK', 'GAMMA', 'HSV', 'CLAHE', 'NOISE']
    assert [type(t).__name__ for t in aug.transforms] == ['HorizontalFlip', 'RandomBrightnessContrast', 'RandomGamma',
                                                          'HueSaturationValue', 'CLAHE', 'GaussNoise']
    assert aug.transforms[4].p == 0.9 and aug.transforms[1].p == 0.5
    with pytest.raises(ValueError, match=r"not per group: \['PHOTO'\]; override the presets of 'PHOTO': \['DARK', "):
        AlbuAugment(presets=['PHOTO'], overrides=dict(PHOTO=dict(p=1.0)))


def test_photo_group_is_seeded_by_numpy_and_keeps_the_mask():
    force = {name: dict(p=1.0) for name in PHOTO}

    def run(seed: int) -> dict:
        np.random.seed(seed)
        return AlbuAugment(presets=['PHOTO'], overrides=force).transform(painted())

    first = run(5)
    assert np.array_equal(first['img'], run(5)['img'])
    assert not np.array_equal(first['img'], run(6)['img'])
    assert np.array_equal(first['gt_seg_map'], painted()['gt_seg_map'])
