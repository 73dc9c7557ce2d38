"""FDA: the low-frequency amplitude comes from the target image, the phase from the source (Fourier checks)."""
from pathlib import Path

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmseg.registry import TRANSFORMS
from PIL import Image

import mmseg_da  # noqa: F401
from mmseg_da.datasets.transforms.fda import low_freq_mask


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


H, W, BETA = 32, 40, 0.1  # b = floor(32 * 0.1) = 3: frequencies -3..3 on both axes


def _smooth_image(rng, lo, hi):
    """A smooth colour image (values well inside [lo, hi]) so that no clipping happens."""
    y, x = np.mgrid[0:H, 0:W]
    img = np.stack([np.sin(x / (3 + c) + c) + np.cos(y / (4 + c)) for c in range(3)], axis=-1)
    img += 0.3 * rng.standard_normal(img.shape)
    img = (img - img.min()) / (img.max() - img.min())
    return lo + (hi - lo) * img


@pytest.fixture
def images(tmp_path):
    rng = np.random.default_rng(0)
    target = np.rint(_smooth_image(rng, 20, 120)).astype(np.uint8)
    folder = tmp_path / 'target'
    folder.mkdir()
    Image.fromarray(target[..., ::-1]).save(folder / 'dusk_0.png')  # saved RGB; mmcv reads it back as BGR
    source = _smooth_image(rng, 90, 170).astype(np.float32)
    return source, target.astype(np.float64), folder


def test_fda_swaps_low_frequency_amplitude_and_keeps_phase(images):
    source, target, folder = images
    fda = TRANSFORMS.build(dict(type='FDA', target_images=str(folder), beta=BETA, clip=False))
    out = fda(dict(img=source.copy()))['img']
    assert out.dtype == np.float32 and out.shape == source.shape

    f_src = np.fft.fft2(source.astype(np.float64), axes=(0, 1))
    f_tgt = np.fft.fft2(target, axes=(0, 1))
    f_out = np.fft.fft2(out.astype(np.float64), axes=(0, 1))
    mask = low_freq_mask(H, W, BETA)
    assert mask.sum() == 7 * 7
    assert mask[0, 0] and mask[3, 3] and mask[-3, -3] and not mask[4, 0] and not mask[0, -4]
    atol = 1e-3 * np.abs(f_src).max()  # float32 output
    np.testing.assert_allclose(np.abs(f_out)[mask], np.abs(f_tgt)[mask], atol=atol)
    np.testing.assert_allclose(np.abs(f_out)[~mask], np.abs(f_src)[~mask], atol=atol)
    strong = np.abs(f_src) > 1e-2 * np.abs(f_src).max()  # phase is defined where there is amplitude
    np.testing.assert_allclose(f_out[strong] / np.abs(f_out[strong]), f_src[strong] / np.abs(f_src[strong]),
                               atol=1e-3)
    assert not np.allclose(np.abs(f_tgt)[mask], np.abs(f_src)[mask], rtol=0.05)  # a real change


def test_fda_uint8_images_stay_uint8_and_take_the_target_mean_colour(images):
    source, target, folder = images
    fda = TRANSFORMS.build(dict(type='FDA', target_images=str(folder), beta=0.0))
    out = fda(dict(img=np.rint(source).astype(np.uint8)))['img']
    assert out.dtype == np.uint8
    # beta=0 swaps only the zero frequency: the mean of each channel becomes the target's
    np.testing.assert_allclose(out.reshape(-1, 3).mean(0), target.reshape(-1, 3).mean(0), atol=0.6)


def test_fda_reads_a_list_file_and_resizes_targets(tmp_path, images):
    source, _, folder = images
    list_file = tmp_path / 'targets.txt'
    list_file.write_text('target/dusk_0.png target/labels_ignored.png\n')
    fda = TRANSFORMS.build(dict(type='FDA', target_images='targets.txt', data_root=str(tmp_path), beta=0.05))
    assert fda.target_paths == [str(folder / 'dusk_0.png')]
    in_folder = TRANSFORMS.build(dict(type='FDA', target_images='target', data_root=str(tmp_path), pattern='dusk_*'))
    assert in_folder.target_paths == [str(folder / 'dusk_0.png')]
    out = fda(dict(img=np.zeros((16, 24, 3), np.uint8)))['img']
    assert out.shape == (16, 24, 3)


def test_fda_without_target_images_is_a_clear_error(tmp_path, images):
    _, _, folder = images
    with pytest.raises(ValueError, match=r"no target images in .*target.*'night_\*\.png'"):
        TRANSFORMS.build(dict(type='FDA', target_images=str(folder), pattern='night_*.png'))
    with pytest.raises(ValueError, match='no target images'):
        TRANSFORMS.build(dict(type='FDA', target_images=[]))
    with pytest.raises(FileNotFoundError, match='missing_dir'):
        TRANSFORMS.build(dict(type='FDA', target_images=str(tmp_path / 'missing_dir')))


def test_fda_keeps_files_matching_any_of_several_patterns(tmp_path):
    for name in ['a_1.png', 'a_2.png', 'b_1.png', 'c_1.png']:
        Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / name)
    fda = TRANSFORMS.build(dict(type='FDA', target_images=str(tmp_path), pattern=['a_*', 'c_*']))
    assert [Path(p).name for p in fda.target_paths] == ['a_1.png', 'a_2.png', 'c_1.png']
