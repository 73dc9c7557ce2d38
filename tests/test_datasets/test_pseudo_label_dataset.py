"""PseudoLabelDataset: a target dataset whose ground truth is read from a folder of pseudo-label PNGs."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS
from PIL import Image

import mmseg_da  # noqa: F401
from mmseg_da.datasets.pseudo_label import pseudo_label_name


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


NAMES = ('a/0001TP_0', 'a/0001TP_1', 'b/0001TP_2')


@pytest.fixture
def target(tmp_path):
    """Target images in sub-folders, with real (different) labels that must not be read."""
    rng = np.random.default_rng(0)
    for name in NAMES:
        for folder, arr in (('img', rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)),
                            ('ann', np.full((24, 32), 7, np.uint8))):
            path = tmp_path / folder / f'{name}.png'
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(arr).save(path)
    return dict(type='BaseSegDataset', data_root=str(tmp_path), img_suffix='.png',
                data_prefix=dict(img_path='img', seg_map_path='ann'),
                metainfo=dict(classes=tuple('c%d' % i for i in range(11))),
                pipeline=[dict(type='LoadImageFromFile')])


def _write_pseudo_labels(label_dir, size=(32, 24), skip=()):
    labels = {}
    rng = np.random.default_rng(1)
    for name in NAMES:
        if name in skip:
            continue
        label = rng.integers(0, 11, size[::-1], dtype=np.uint8)
        label[:3] = 255
        path = label_dir / f'{name}.png'
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(label).save(path)
        labels[name] = label
    return labels


PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'), dict(type='PackDomainSegInputs')]


def test_pseudo_labels_are_the_ground_truth(tmp_path, target):
    labels = _write_pseudo_labels(tmp_path / 'pl')
    dataset = DATASETS.build(dict(type='PseudoLabelDataset', dataset=target, label_dir=str(tmp_path / 'pl'),
                                  pipeline=PIPELINE))
    assert len(dataset) == 3
    assert dataset.metainfo['classes'][10] == 'c10'
    for i, name in enumerate(NAMES):
        sample = dataset[i]['data_samples']
        assert sample.img_path.endswith(f'img/{name}.png')
        np.testing.assert_array_equal(sample.gt_sem_seg.data[0].numpy(), labels[name])


def test_concat_with_a_labelled_source(tmp_path, target):
    _write_pseudo_labels(tmp_path / 'pl')
    source = dict(target, pipeline=PIPELINE)
    concat = DATASETS.build(dict(
        type='ConcatDataset', ignore_keys=['label_map', 'reduce_zero_label'],
        datasets=[source, dict(type='PseudoLabelDataset', dataset=target, label_dir=str(tmp_path / 'pl'),
                               pipeline=PIPELINE)]))
    assert len(concat) == 6
    assert int(concat[0]['data_samples'].gt_sem_seg.data.max()) == 7  # the source's own labels
    assert int(concat[3]['data_samples'].gt_sem_seg.data.max()) == 255  # pseudo-labels with ignored rows
    # as one of several sources of a UDADataset (built first, then concatenated)
    uda = DATASETS.build(dict(
        type='UDADataset', source=[source, dict(type='PseudoLabelDataset', dataset=target,
                                                label_dir=str(tmp_path / 'pl'), pipeline=PIPELINE)],
        target=target))
    assert len(uda) == 6
    assert int(uda[5]['source']['data_samples'].gt_sem_seg.data.max()) == 255


def test_missing_pseudo_labels_are_named(tmp_path, target):
    _write_pseudo_labels(tmp_path / 'pl', skip=('b/0001TP_2', ))
    with pytest.raises(FileNotFoundError, match=r'1 of 3 .*b/0001TP_2\.png'):
        DATASETS.build(dict(type='PseudoLabelDataset', dataset=target, label_dir=str(tmp_path / 'pl'),
                            pipeline=PIPELINE))
    with pytest.raises(FileNotFoundError, match='nowhere'):
        DATASETS.build(dict(type='PseudoLabelDataset', dataset=target, label_dir=str(tmp_path / 'nowhere'),
                            pipeline=PIPELINE))


def test_wrong_size_pseudo_labels_are_named(tmp_path, target):
    _write_pseudo_labels(tmp_path / 'pl', size=(16, 24))
    with pytest.raises(ValueError, match=r'a/0001TP_0\.png is 16x24 but .*0001TP_0\.png is 32x24'):
        DATASETS.build(dict(type='PseudoLabelDataset', dataset=target, label_dir=str(tmp_path / 'pl'),
                            pipeline=PIPELINE))


def test_a_pipeline_that_never_loads_labels_is_refused(tmp_path, target):
    _write_pseudo_labels(tmp_path / 'pl')
    with pytest.raises(ValueError, match='no `LoadAnnotations`'):
        DATASETS.build(dict(type='PseudoLabelDataset', dataset=target, label_dir=str(tmp_path / 'pl')))


def test_label_names_follow_the_image_folder():
    assert pseudo_label_name('/d/leftImg8bit/train/aachen/x_leftImg8bit.png', '/d/leftImg8bit/train') == \
        'aachen/x_leftImg8bit.png'
    assert pseudo_label_name('/d/train/x.jpg', '/elsewhere') == 'x.png'
    assert pseudo_label_name('/d/train/x.jpg', None) == 'x.png'


def _pseudo_label(target_cfg, label_dir, n_classes, seed=2):
    """Write a pseudo-label for every image of ``target_cfg``; return the PseudoLabelDataset config and labels."""
    target = DATASETS.build(target_cfg)
    img_dir = target.data_prefix.get('img_path')
    rng = np.random.default_rng(seed)
    labels = []
    for i in range(len(target)):
        img_path = target.get_data_info(i)['img_path']
        with Image.open(img_path) as img:
            label = rng.integers(0, n_classes, img.size[::-1], dtype=np.uint8)
        label[0] = 255
        path = label_dir / pseudo_label_name(img_path, img_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(label).save(path)
        labels.append(label)
    return dict(type='PseudoLabelDataset', dataset=target_cfg, label_dir=str(label_dir), pipeline=PIPELINE), labels


def _check_concat(source_cfg, pseudo_cfg, source_gt, pseudo_gt, target_cfg):
    """mmengine's ConcatDataset (no ignore_keys) and a UDADataset with both as sources give each set's labels."""
    concat = DATASETS.build(dict(type='ConcatDataset', datasets=[source_cfg, pseudo_cfg]))
    uda = DATASETS.build(dict(type='UDADataset', source=[source_cfg, pseudo_cfg], target=target_cfg))
    expected = list(source_gt) + list(pseudo_gt)
    assert len(concat) == len(uda) == len(expected)
    for i, gt in enumerate(expected):
        np.testing.assert_array_equal(concat[i]['data_samples'].gt_sem_seg.data[0].numpy(), gt)
        np.testing.assert_array_equal(uda[i]['source']['data_samples'].gt_sem_seg.data[0].numpy(), gt)


def test_concat_with_a_loveda_source(tmp_path, loveda_root):
    """LoveDA sources reduce zero (0 -> 255, v -> v - 1); pseudo-labels of LoveDA Rural are read as they are."""
    source = dict(type='LoveDADomainDataset', data_root=str(loveda_root), domain='Urban', pipeline=PIPELINE)
    target = dict(type='LoveDADomainDataset', data_root=str(loveda_root), domain='Rural',
                  pipeline=[dict(type='LoadImageFromFile')])
    pseudo, labels = _pseudo_label(target, tmp_path / 'pl', 7)
    masks = [np.array(Image.open(DATASETS.build(source).get_data_info(i)['seg_map_path'])) for i in range(4)]
    reduced = [np.where(m == 0, 255, m - 1).astype(np.uint8) for m in masks]
    _check_concat(source, pseudo, reduced, labels, target)


def test_concat_with_a_gta5_source(tmp_path):
    """GTA5 sources map Cityscapes label ids to train ids; pseudo-labels of Cityscapes images are train ids."""
    ids = np.array([[7, 26], [0, 33]], np.uint8).repeat(4, 0).repeat(4, 1)  # road, car, void, bicycle
    for folder, name, arr in (('gta5/images', '00001.png', np.zeros((8, 8, 3), np.uint8)),
                              ('gta5/labels', '00001.png', ids),
                              ('citys/leftImg8bit/train/c', 'c_000000_000000_leftImg8bit.png',
                               np.zeros((8, 8, 3), np.uint8))):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        Image.fromarray(arr).save(tmp_path / folder / name)
    source = dict(type='GTA5Dataset', data_root=str(tmp_path / 'gta5'), pipeline=PIPELINE)
    target = dict(type='CityscapesDataset', data_root=str(tmp_path / 'citys'),
                  data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
                  pipeline=[dict(type='LoadImageFromFile')])
    pseudo, labels = _pseudo_label(target, tmp_path / 'pl', 19)
    train_ids = np.array([[0, 13], [255, 18]], np.uint8).repeat(4, 0).repeat(4, 1)
    _check_concat(source, pseudo, [train_ids], labels, target)
