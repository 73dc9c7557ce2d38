"""tools/pseudo_label.py: one label PNG per target image, 255 exactly below the threshold, read back by the student."""
import hashlib
import json
import shutil

import numpy as np
import pytest
import torch
from da_testing import call_tool, small_config
from da_testing.writers import write_camvid
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS
from PIL import Image

import mmseg_da  # noqa: F401
from mmseg_da.apis import init_segmentor
from mmseg_da.apis.pseudo_label import MANIFEST
from mmseg_da.config.inference_pipeline import inference_pipeline

CONFIG = 'configs/camvid_day2dusk_pseudo_label.py'
TOOL = 'tools/pseudo_label.py'
DAY, DUSK = ['0016E5_%05d' % i for i in range(3)], ['0001TP_%05d' % i for i in range(4)]


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    torch.set_num_threads(1)
    tmp = tmp_path_factory.mktemp('pseudo_label_tool')
    data = write_camvid(tmp / 'camvid', {'train': DAY + DUSK, 'val': DAY[:2]})
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
    assert call_tool(TOOL, str(cfg_path), str(checkpoint), '--out', str(out), '--threshold', repr(threshold)) == 0

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
    assert call_tool(TOOL, str(cfg_path), str(checkpoint), '--out', str(out), '--class-percentile', '50') == 0
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
    assert call_tool(TOOL, str(cfg_path), str(checkpoint), '--out', 'x', *args) == 2
    assert message in capsys.readouterr().err


def test_a_config_without_target_is_a_clear_error(setup, tmp_path, capsys):
    _, data, _, checkpoint = setup
    plain = small_config('configs/pidnet_s_urban.py', tmp_path / 'cfg', data, length=1)  # source only
    assert call_tool(TOOL, str(plain), str(checkpoint), '--out', str(tmp_path / 'o')) == 1
    err = capsys.readouterr().err
    assert 'no target domain' in err and 'UDADataset' in err


def test_force_replaces_exactly_the_files_of_the_earlier_run(setup, capsys):
    tmp, data, cfg_path, checkpoint = setup
    out = tmp / 'pl_force'
    args = [str(cfg_path), str(checkpoint), '--out', str(out), '--threshold', '0.5']
    assert call_tool(TOOL, *args) == 0
    manifest = [json.loads(line) for line in (out / MANIFEST).read_text().splitlines()]
    assert sorted(e['path'] for e in manifest[1:]) == sorted([f'train/{s}.png' for s in DUSK] + ['summary.json'])
    # a label of an image no longer predicted (journalled by "the earlier run"), a label edited by hand since,
    # a stale temporary file of a killed write, and the user's own files
    stale = out / 'train' / 'gone.png'
    stale.write_bytes(b'old label')
    with open(out / MANIFEST, 'a') as f:
        f.write(json.dumps(dict(path='train/gone.png', size=9,
                                sha256=hashlib.sha256(b'old label').hexdigest())) + '\n')
    edited = out / 'train' / f'{DUSK[0]}.png'
    edited.write_bytes(b'edited by hand')
    (out / 'train' / '.gone.png.tmp999999999').write_bytes(b'torn')
    (out / 'notes.txt').write_text('mine')
    (out / 'train' / 'mine.png').write_bytes(b'my own png')
    assert call_tool(TOOL, *args) == 1
    assert 'not empty' in capsys.readouterr().err and stale.exists()
    # the hand-edited file is kept, and the new run refuses to overwrite it (naming it)
    assert call_tool(TOOL, *args, '--force') == 1
    err = capsys.readouterr().err
    assert str(edited) in err and 'not written by this pseudo-label run' in err, err
    assert edited.read_bytes() == b'edited by hand' and not stale.exists()
    assert not (out / 'train' / '.gone.png.tmp999999999').exists()
    edited.unlink()
    assert call_tool(TOOL, *args, '--force') == 0
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob('*.png'))
    assert written == sorted([f'train/{s}.png' for s in DUSK] + ['train/mine.png'])
    assert (out / 'notes.txt').read_text() == 'mine' and (out / 'train' / 'mine.png').read_bytes() == b'my own png'


def test_force_refuses_a_dataset_folder_with_a_foreign_summary_and_deletes_nothing(setup, capsys):
    tmp, data, cfg_path, checkpoint = setup
    dataset = tmp / 'dataset_copy'
    shutil.copytree(data, dataset)
    (dataset / 'summary.json').write_text('{"images": 26}\n')
    before = {p: p.read_bytes() for p in dataset.rglob('*') if p.is_file()}
    assert sum(p.suffix == '.png' for p in before) >= 2 * len(DAY + DUSK)
    code = call_tool(TOOL, str(cfg_path), str(checkpoint), '--out', str(dataset), '--threshold', '0.5', '--force')
    err = capsys.readouterr().err
    assert code == 1 and 'Traceback' not in err
    assert str(dataset) in err and f'holds no manifest {MANIFEST}' in err and 'refusing to delete' in err, err
    assert {p: p.read_bytes() for p in dataset.rglob('*') if p.is_file()} == before
    # a foreign or malformed manifest is refused the same way
    (dataset / MANIFEST).write_text('{"manifest": "something else", "version": 1}\n')
    assert call_tool(TOOL, str(cfg_path), str(checkpoint), '--out', str(dataset), '--force') == 1
    assert 'not a valid mmseg-da pseudo-labels manifest' in capsys.readouterr().err
    (dataset / MANIFEST).write_text('{"manifest": "mmseg-da pseudo-labels", "version": 1}\n'
                                    '{"path": "../outside.png", "size": 1, "sha256": "x"}\n{}\n')
    assert call_tool(TOOL, str(cfg_path), str(checkpoint), '--out', str(dataset), '--force') == 1
    assert 'malformed manifest' in capsys.readouterr().err
    (dataset / MANIFEST).unlink()
    assert {p: p.read_bytes() for p in dataset.rglob('*') if p.is_file()} == before


def test_class_percentile_leaves_no_cache_and_force_cleans_a_killed_run(setup, capsys):
    tmp, data, cfg_path, checkpoint = setup
    out = tmp / 'pl_cache'
    args = [str(cfg_path), str(checkpoint), '--out', str(out), '--class-percentile', '50']
    assert call_tool(TOOL, *args) == 0
    assert not (out / '.raw').exists()
    entries = [json.loads(line)['path'] for line in (out / MANIFEST).read_text().splitlines()[1:]]
    assert sum(e.startswith('.raw/') for e in entries) == len(DUSK)
    # a killed run: its labels and a torn last manifest line; --force still removes what it wrote
    with open(out / MANIFEST, 'a') as f:
        f.write('{"path": "train/x.p')
    assert call_tool(TOOL, *args, '--force') == 0
    assert sorted(p.name for p in out.rglob('*.png')) == sorted(f'{s}.png' for s in DUSK)


def test_without_a_checkpoint_the_configs_load_from_is_needed(setup, tmp_path, capsys):
    _, _, cfg_path, _ = setup  # the CamVid student config: load_from None
    assert call_tool(TOOL, str(cfg_path), '--out', str(tmp_path / 'o')) == 1
    err = capsys.readouterr().err
    assert 'no teacher checkpoint' in err and 'load_from' in err and str(cfg_path) in err, err
    assert not (tmp_path / 'o').exists()
