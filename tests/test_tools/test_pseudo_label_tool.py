"""tools/pseudo_label.py: one label PNG per target image, 255 exactly below the threshold, read back by the student."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from da_testing import REPO_ROOT, small_config
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS
from PIL import Image

import mmseg_da  # noqa: F401
from mmseg_da.apis import init_segmentor
from mmseg_da.utils.inference import inference_pipeline

CONFIG = 'configs/camvid_day2dusk_pseudo_label.py'
DAY, DUSK = ['0016E5_%05d' % i for i in range(3)], ['0001TP_%05d' % i for i in range(4)]


def write_camvid(root: Path, size=(24, 32)) -> Path:
    """SegNet-layout CamVid: day + dusk frames in train, day frames in val; masks 0..11."""
    rng = np.random.default_rng(0)
    for split, stems in (('train', DAY + DUSK), ('val', DAY[:2])):
        (root / split).mkdir(parents=True)
        (root / f'{split}annot').mkdir()
        lines = []
        for stem in stems:
            mask = np.kron(rng.integers(0, 12, (size[0] // 8, size[1] // 8)), np.ones((8, 8))).astype(np.uint8)
            Image.fromarray(np.dstack([mask * 20, 255 - mask * 20, mask * 7])).save(root / split / f'{stem}.png')
            Image.fromarray(mask).save(root / f'{split}annot' / f'{stem}.png')
            lines.append(f'/SegNet/CamVid/{split}/{stem}.png /SegNet/CamVid/{split}annot/{stem}.png')
        (root / f'{split}.txt').write_text('\n'.join(lines) + '\n')
    return root


def load_tool():
    spec = importlib.util.spec_from_file_location('pseudo_label_tool', REPO_ROOT / 'tools' / 'pseudo_label.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    torch.set_num_threads(1)
    tmp = tmp_path_factory.mktemp('pseudo_label_tool')
    data = write_camvid(tmp / 'camvid')
    cfg_path = small_config(CONFIG, tmp / 'cfg', data, length=1)
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(cfg_path))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    checkpoint = tmp / 'teacher.pth'
    torch.save({'state_dict': model.state_dict(),
                'meta': {'dataset_meta': {'classes': DATASETS.get('CamVidDomainDataset').METAINFO['classes'],
                                          'palette': DATASETS.get('CamVidDomainDataset').METAINFO['palette']}}},
               checkpoint)
    return tmp, data, cfg_path, checkpoint


def teacher_confidences(cfg_path, checkpoint, data):
    """(confidence, argmax) of every dusk training frame, computed here, independently of the tool."""
    model = init_segmentor(str(cfg_path), str(checkpoint))
    pipeline = Compose(inference_pipeline(model.cfg))
    out = {}
    for stem in DUSK:
        with torch.no_grad():
            result = model.test_step(pseudo_collate([pipeline(dict(img_path=str(data / 'train' / f'{stem}.png')))]))[0]
        conf, labels = torch.softmax(result.seg_logits.data, 0).max(0)
        out[stem] = (conf.numpy(), labels.numpy())
    return out


def test_threshold_ignores_exactly_the_pixels_below_it(setup):
    tmp, data, cfg_path, checkpoint = setup
    expected = teacher_confidences(cfg_path, checkpoint, data)
    threshold = float(np.median(np.concatenate([c.ravel() for c, _ in expected.values()])))
    out = tmp / 'pl_threshold'
    tool = load_tool()
    assert tool.main([str(cfg_path), str(checkpoint), '--out', str(out), '--threshold', repr(threshold)]) == 0

    written = sorted(p.relative_to(out).as_posix() for p in out.rglob('*.png'))
    assert written == sorted(f'train/{s}.png' for s in DUSK)  # every target image, no source image
    ignored = 0
    for stem, (conf, labels) in expected.items():
        label = np.asarray(Image.open(out / 'train' / f'{stem}.png'))
        assert label.shape == (24, 32)
        low = conf < threshold
        assert np.array_equal(label == 255, low)
        assert np.array_equal(label[~low], labels[~low])
        ignored += low.sum()
    assert 0 < ignored < 4 * 24 * 32
    summary = json.loads((out / 'summary.json').read_text())
    assert summary['images'] == 4 and summary['threshold'] == threshold
    assert summary['kept'] == 4 * 24 * 32 - ignored
    assert [c['name'] for c in summary['classes']][0] == 'sky'

    # the student's training set reads them back as ground truth
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(cfg_path))
    student = DATASETS.build(dict(cfg.train_dataloader.dataset.source[1], label_dir=str(out)))
    assert len(student) == 4
    gt = student[0]['data_samples'].gt_sem_seg.data[0].numpy()
    assert gt.shape == (32, 32)  # resized to the training size with the image


def test_class_percentile_ignores_the_least_confident_share_of_each_class(setup):
    tmp, data, cfg_path, checkpoint = setup
    expected = teacher_confidences(cfg_path, checkpoint, data)
    out = tmp / 'pl_percentile'
    assert load_tool().main([str(cfg_path), str(checkpoint), '--out', str(out), '--class-percentile', '50']) == 0
    summary = json.loads((out / 'summary.json').read_text())
    for row in summary['classes']:
        if row['pixels'] >= 50:  # exact quantile: floor(P * n) ignored (ties can only lower it)
            assert row['pixels'] - row['pixels'] // 2 <= row['kept'] <= row['pixels'] - row['pixels'] // 2 + 2, row
    for stem, (conf, labels) in expected.items():
        label = np.asarray(Image.open(out / 'train' / f'{stem}.png'))
        thresholds = np.array([row['threshold'] for row in summary['classes']])
        assert np.array_equal(label == 255, conf < thresholds[labels])
    assert not (out / '.raw').exists()


@pytest.mark.parametrize('args, message', [
    (['--threshold', '1.5'], '--threshold must lie in (0, 1), got 1.5'),
    (['--threshold', '0'], '--threshold must lie in (0, 1), got 0.0'),
    (['--class-percentile', '100'], '--class-percentile must lie in [0, 100)'),
])
def test_bad_thresholds_are_clear_errors(setup, args, message, capsys):
    _, _, cfg_path, checkpoint = setup
    with pytest.raises(SystemExit) as exit_info:
        load_tool().parse_args([str(cfg_path), str(checkpoint), '--out', 'x', *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_a_config_without_target_is_a_clear_error(setup, tmp_path, capsys):
    _, data, _, checkpoint = setup
    plain = small_config('configs/pidnet_s_urban.py', tmp_path / 'cfg', data, length=1)  # source only
    with pytest.raises(SystemExit) as exit_info:
        load_tool().main([str(plain), str(checkpoint), '--out', str(tmp_path / 'o')])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert 'no target domain' in err and 'UDADataset' in err


def test_a_non_empty_output_folder_needs_force_and_loses_stale_labels(setup, capsys):
    tmp, data, cfg_path, checkpoint = setup
    out = tmp / 'pl_force'
    (out / 'train').mkdir(parents=True)
    (out / 'train' / 'stale.png').write_bytes(b'old')
    args = [str(cfg_path), str(checkpoint), '--out', str(out), '--threshold', '0.5']
    with pytest.raises(SystemExit) as exit_info:
        load_tool().main(args)
    assert exit_info.value.code == 1
    assert 'not empty' in capsys.readouterr().err and (out / 'train' / 'stale.png').exists()
    with pytest.raises(SystemExit):  # --force refuses a folder that is not an earlier pseudo-label output
        load_tool().main([*args, '--force'])
    assert 'holds no summary.json' in capsys.readouterr().err
    (out / 'summary.json').write_text('{}')
    (out / 'notes.txt').write_text('mine')
    assert load_tool().main([*args, '--force']) == 0
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob('*.png'))
    assert written == sorted(f'train/{s}.png' for s in DUSK)  # the stale label is gone
    assert (out / 'notes.txt').read_text() == 'mine'
