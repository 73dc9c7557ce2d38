"""mmseg_da.apis.predict: inputs and their names, indexed masks, and the pictures the Predictor draws."""
import numpy as np
import pytest
from da_testing import small_config
from PIL import Image

import mmseg_da  # noqa: F401
from mmseg_da.apis import Predictor, build_split_dataset, init_segmentor, list_images, unique_names
from mmseg_da.apis.predict import MIN_PICTURE_SIDE, save_indexed_mask

PALETTE = [[255, 255, 255], [255, 0, 0], [255, 255, 0], [0, 0, 255], [159, 129, 183], [0, 255, 0],
           [255, 195, 128]]  # LoveDA's


@pytest.fixture(scope='module')
def model(tmp_path_factory, tiny_loveda):
    config = small_config('configs/pidnet_s_urban.py', tmp_path_factory.mktemp('prediction'), tiny_loveda)
    return init_segmentor(str(config))  # random weights; classes and palette from the config


def rgb(path):
    with Image.open(path) as image:
        return np.asarray(image.convert('RGB'))


def test_list_images_takes_files_and_folders_in_order(tmp_path):
    folder = tmp_path / 'folder'
    folder.mkdir()
    for name in ('b.png', 'a.JPG', 'notes.txt'):
        (folder / name).write_bytes(b'')
    single = tmp_path / 'single.png'
    single.write_bytes(b'')
    assert list_images([str(single), str(folder)]) == [single, folder / 'a.JPG', folder / 'b.png']
    with pytest.raises(FileNotFoundError, match='input not found'):
        list_images([str(tmp_path / 'missing.png')])
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='no images'):
        list_images([str(tmp_path / 'empty')])


def test_unique_names_tell_shared_stems_apart_by_their_nearest_parent(tmp_path):
    paths = [tmp_path / 'Urban/images_png/0.png', tmp_path / 'Rural/images_png/0.png', tmp_path / 'x/1.png']
    assert unique_names(paths) == ['Urban_0', 'Rural_0', '1']
    assert unique_names([paths[2], paths[2]]) == ['1_0', '1_1']  # the same file twice
    assert unique_names(paths[:2], ['a', 'b']) == ['a', 'b']


def test_indexed_mask_keeps_class_ids_and_shows_palette_colours(tmp_path):
    labels = np.array([[0, 1], [6, 3]], dtype=np.uint8)
    save_indexed_mask(tmp_path / 'm.png', labels, PALETTE)
    with Image.open(tmp_path / 'm.png') as image:
        assert image.mode == 'P'
        assert np.array_equal(np.asarray(image), labels)
    assert rgb(tmp_path / 'm.png')[1, 0].tolist() == PALETTE[6]


def test_predictor_writes_masks_overlays_and_comparisons(model, tiny_loveda, tmp_path):
    out = tmp_path / 'out'
    predictor = Predictor(model, str(out), overlay=0.6, batch_size=2)
    image = tiny_loveda / 'Val' / 'Rural' / 'images_png' / '0.png'
    predictor.add_images([image])
    assert predictor.add_dataset(build_split_dataset(model.cfg, 'val'), limit=1) == 1
    assert predictor.run() == 2
    assert sorted(p.name for p in out.iterdir()) == ['0_mask.png', '0_overlay.png', 'Urban_0_compare.png',
                                                      'Urban_0_mask.png', 'Urban_0_overlay.png']
    mask = rgb(out / '0_mask.png')
    assert mask.shape[:2] == (32, 32)
    assert {tuple(c) for c in mask.reshape(-1, 3)} <= {tuple(c) for c in PALETTE}
    # the 32x32 tile is enlarged (nearest) before drawing; the ground truth | prediction side by side
    side = MIN_PICTURE_SIDE
    assert rgb(out / 'Urban_0_compare.png').shape == (side, 2 * side, 3)
    # outside the class-name boxes: the prediction's colours blended over the image at 60 %
    factor = side // 32
    with Image.open(image) as tile, Image.open(out / '0_mask.png') as labels:
        expected = (np.asarray(tile.convert('RGB')) * 0.4 + np.asarray(labels.convert('RGB')) * 0.6)
    expected = np.repeat(np.repeat(expected.astype(np.uint8), factor, axis=0), factor, axis=1)
    same = (np.abs(rgb(out / '0_overlay.png').astype(int) - expected) <= 1).all(axis=2).mean()
    assert same > 0.8


def test_zero_overlay_writes_no_overlay_but_still_compares(model, tmp_path):
    predictor = Predictor(model, str(tmp_path), overlay=0)
    predictor.add_dataset(build_split_dataset(model.cfg, 'val'), limit=1)
    predictor.run()
    assert sorted(p.name for p in tmp_path.iterdir()) == ['Urban_0_compare.png', 'Urban_0_mask.png']


def test_a_model_without_classes_and_palette_is_refused(model, tmp_path):
    meta, model.dataset_meta = model.dataset_meta, None
    try:
        with pytest.raises(ValueError, match='no class names and palette'):
            Predictor(model, str(tmp_path))
    finally:
        model.dataset_meta = meta
