"""A heavy teacher for a real-time student, end to end on tiny GTA5/Cityscapes PNGs: the mmseg model-zoo teacher
config (a tiny DeepLabV3+ in place of ResNet-101, its checkpoint an mmseg one served by URL) pseudo-labels the
Cityscapes train images, and the PIDNet-S student, restored from an adversarial checkpoint, trains on them."""
import hashlib
import json

import numpy as np
import pytest
import torch
from da_testing import call_tool, run_tool, small_config
from da_testing.http_server import serve_folder
from da_testing.writers import write_gta5_and_cityscapes
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.hooks import Hook
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS, RUNNERS
from PIL import Image

import mmseg_da  # noqa: F401
from mmseg_da.models.utils.deployable import deployable_segmentor

TEACHER = 'configs/deeplabv3plus_r101_citys_teacher.py'
STUDENT = 'configs/pidnet_s_gta_cyclegta2citys_deeplabv3plus_pseudo_label.py'
ADVERSARIAL = 'configs/pidnet_s_gta_cyclegta2citys_adv_multi_lsgan.py'
TOOL = 'tools/pseudo_label.py'
# mmseg's DeepLabV3+ with a ResNet-18 of 8 stem/base channels: the teacher config's own heads, tiny.
TINY_DEEPLABV3PLUS = {
    'model.pretrained': None,
    'model.backbone.depth': 18, 'model.backbone.stem_channels': 8, 'model.backbone.base_channels': 8,
    'model.decode_head.in_channels': 64, 'model.decode_head.channels': 16,
    'model.decode_head.c1_in_channels': 8, 'model.decode_head.c1_channels': 4,
    'model.auxiliary_head.in_channels': 32, 'model.auxiliary_head.channels': 8,
}
CITYS_TRAIN = [f'city/city_{i:06d}_000019_leftImg8bit.png' for i in range(3)]


def save_model_zoo_checkpoint(cfg_path, folder) -> tuple:
    """An mmseg v0.x model-zoo style checkpoint of the config's model (mmseg's keys only, `CLASSES`/`PALETTE`
    meta, an optimizer), named ``<stem>-<sha256[:8]>.pth``; returns (name, state dict)."""
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(cfg_path)).model)
    model.init_weights()
    with torch.no_grad():  # confident, varied predictions
        model.decode_head.conv_seg.weight.mul_(30)
    state = model.state_dict()
    meta = dict(mmcv_version='1.0rc0', time='Sat Jun  6 11:41:43 2020', config="model = dict(type='EncoderDecoder')",
                CLASSES=DATASETS.get('CityscapesDataset').METAINFO['classes'],
                PALETTE=DATASETS.get('CityscapesDataset').METAINFO['palette'], iter=80000)
    folder.mkdir(parents=True, exist_ok=True)
    torch.save({'meta': meta, 'state_dict': state,
                'optimizer': {'state': {}, 'param_groups': [{'lr': 1e-4, 'momentum': 0.9, 'params': [0]}]}},
               folder / 'tmp.pth')
    digest = hashlib.sha256((folder / 'tmp.pth').read_bytes()).hexdigest()
    name = f'tiny_deeplabv3plus_cityscapes_20200606-{digest[:8]}.pth'
    (folder / 'tmp.pth').rename(folder / name)
    return name, state


def teacher_predictions(cfg_path, state, images) -> dict:
    """(confidence, arg-max) per image, from the config's model and test pipeline, without the project's tools."""
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(cfg_path))
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    model.load_state_dict(state, strict=True)
    model.eval()
    pipeline = Compose([t for t in cfg.test_pipeline if t['type'] != 'LoadAnnotations'])
    out = {}
    for name, path in images.items():
        with torch.no_grad():
            result = model.test_step(pseudo_collate([pipeline(dict(img_path=str(path)))]))[0]
        conf, labels = torch.softmax(result.seg_logits.data, 0).max(0)
        out[name] = (conf.numpy(), labels.numpy())
    return out


@pytest.fixture(scope='module')
def recipe(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('heavy_teacher')
    data = write_gta5_and_cityscapes(tmp / 'data', size=(64, 64))
    with pytest.MonkeyPatch.context() as patch, serve_folder(tmp / 'zoo') as zoo:
        patch.setenv('TORCH_HOME', str(tmp / 'torch_home'))
        probe = small_config(TEACHER, tmp / 'probe', data, size=64, length=1, **TINY_DEEPLABV3PLUS)
        name, state = save_model_zoo_checkpoint(probe, tmp / 'zoo')
        url = f'{zoo.url}/{name}'
        teacher = small_config(TEACHER, tmp / 'teacher', data, size=64, length=1, load_from=url, **TINY_DEEPLABV3PLUS)
        expected = teacher_predictions(teacher, state, {n: data / 'leftImg8bit' / 'train' / n for n in CITYS_TRAIN})
        yield dict(tmp=tmp, data=data, teacher=teacher, url=url, name=name, state=state, expected=expected,
                   zoo=zoo, torch_home=tmp / 'torch_home')


def median_confidence(expected) -> float:
    return float(np.median(np.concatenate([conf.ravel() for conf, _ in expected.values()])))


@pytest.fixture(scope='module')
def pseudo_labels(recipe):
    """The teacher's labels, written by the tool with the config's load_from (the URL) as checkpoint."""
    out = recipe['tmp'] / 'citys_pseudo_labels'
    threshold = median_confidence(recipe['expected'])
    assert call_tool(TOOL, str(recipe['teacher']), '--out', str(out), '--threshold', repr(threshold)) == 0
    return out, threshold


def test_the_teacher_config_is_mmsegs_deeplabv3plus_r101_with_its_model_zoo_checkpoint():
    import mmseg
    import yaml
    from da_testing import REPO_ROOT
    cfg = Config.fromfile(str(REPO_ROOT / TEACHER))
    assert cfg.model.type == 'EncoderDecoder' and cfg.model.backbone.depth == 101
    assert cfg.model.decode_head.type == 'DepthwiseSeparableASPPHead' and cfg.model.decode_head.num_classes == 19
    metafile = yaml.safe_load(open(f'{mmseg.__path__[0]}/.mim/configs/deeplabv3plus/metafile.yaml'))
    entry = next(m for m in metafile['Models'] if m['Name'] == 'deeplabv3plus_r101-d8_4xb2-80k_cityscapes-512x1024')
    assert cfg.load_from == entry['Weights']
    assert cfg.pseudo_label_dataset.type == 'CityscapesDataset'
    assert cfg.pseudo_label_dataset.data_prefix.img_path == 'leftImg8bit/train'


def test_the_model_zoo_teacher_labels_the_cityscapes_train_images(recipe, pseudo_labels):
    out, threshold = pseudo_labels
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob('*.png'))
    assert written == sorted(CITYS_TRAIN)  # Cityscapes train only: no GTA5, no val image
    ignored = 0
    for name, (conf, labels) in recipe['expected'].items():
        label = np.asarray(Image.open(out / name))
        low = conf < threshold
        assert np.array_equal(label == 255, low)
        assert np.array_equal(label[~low], labels[~low])
        ignored += low.sum()
    assert 0 < ignored < 3 * 64 * 64
    assert len(np.unique(np.concatenate([labels.ravel() for _, labels in recipe['expected'].values()]))) > 2
    # the URL was downloaded once into torch's hub cache
    assert (recipe['torch_home'] / 'hub' / 'checkpoints' / recipe['name']).is_file()
    assert recipe['zoo'].requests == [f'/{recipe["name"]}']
    summary = json.loads((out / 'summary.json').read_text())
    assert [c['name'] for c in summary['classes']][:2] == ['road', 'sidewalk']


def test_a_teacher_of_other_classes_is_refused(recipe, tmp_path, capsys):
    camvid = DATASETS.get('CamVidDomainDataset').METAINFO
    checkpoint = tmp_path / 'camvid_named.pth'  # the teacher's weights, but CamVid's class names
    torch.save({'state_dict': recipe['state'],
                'meta': {'dataset_meta': {'classes': camvid['classes'], 'palette': camvid['palette']}}}, checkpoint)
    assert call_tool(TOOL, str(recipe['teacher']), str(checkpoint), '--out', str(tmp_path / 'o')) == 1
    err = capsys.readouterr().err
    assert 'classes' in err and '11 classes vs 19' in err and 'CityscapesDataset' in err, err
    assert not (tmp_path / 'o').exists()


class BatchRecorder(Hook):
    """The student's weights when training starts (after load_from) and every training batch."""

    def __init__(self) -> None:
        self.start, self.batches = None, []

    def before_train(self, runner) -> None:
        self.start = {k: v.clone() for k, v in deployable_segmentor(runner.model).state_dict().items()}

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self.batches.append(data_batch)


def test_the_student_restored_from_an_adversarial_checkpoint_trains_on_the_teacher_labels(recipe, pseudo_labels):
    tmp, data = recipe['tmp'], recipe['data']
    out, _ = pseudo_labels
    init_default_scope('mmseg')
    adversarial = small_config(ADVERSARIAL, tmp / 'adv', data, size=64)
    torch.manual_seed(1)
    adv_state = MODELS.build(Config.fromfile(str(adversarial)).model).state_dict()  # torch's seeded init
    assert any(k.startswith('discriminator.') for k in adv_state)  # ignored by the strict loader
    torch.save({'state_dict': adv_state, 'meta': {}}, tmp / 'adv_best.pth')
    # all 11 samples (GTA5, its "CycleGAN" copy: the same folder here, 3 pseudo-labelled Cityscapes) in each of
    # the 2 iterations
    student = small_config(STUDENT, tmp / 'student', data, size=64, length=2, batch_size=11,
                           load_from=str(tmp / 'adv_best.pth'), work_dir=str(tmp / 'work'),
                           **{'train_dataloader.dataset.source.2.label_dir': str(out),
                              'default_hooks.checkpoint': None})  # no 2 x 30 MB writes
    cfg = Config.fromfile(str(student))
    cfg.visualizer['name'] = 'heavy_teacher_student'
    cfg.runner_type = 'DARunner'  # as tools/train.py builds it
    runner = RUNNERS.build(cfg)
    recorder = BatchRecorder()
    runner.register_hook(recorder, priority='LOWEST')
    runner.train()

    restored = {f'segmentor.{k}': v for k, v in recorder.start.items()}
    assert restored.keys() <= adv_state.keys()
    assert all(torch.equal(v, adv_state[k]) for k, v in restored.items())
    assert len(recorder.batches) == 2
    for batch in recorder.batches:
        samples = batch['source']['data_samples']
        citys = [s for s in samples if 'leftImg8bit' in s.img_path]
        assert len(samples) == 11 and len(citys) == 3
        for sample in citys:
            teacher = np.asarray(Image.open(out / sample.img_path.split('leftImg8bit/train/')[1]))
            if sample.flip:
                teacher = teacher[:, ::-1]
            label = sample.gt_sem_seg.data[0].numpy()
            assert np.array_equal(label, teacher), sample.img_path
            assert (label == 255).any() and (label < 19).any()
        assert all('gt_sem_seg' not in s for s in batch['target']['data_samples'])


@pytest.mark.slow
def test_tools_test_scores_the_model_zoo_teacher_from_its_url(recipe, tmp_path):
    """tools/test.py on the teacher config and its checkpoint URL: Cityscapes val scored as computed here."""
    data = recipe['data']
    proc = run_tool('tools/test.py', str(recipe['teacher']), recipe['url'], '--work-dir', str(tmp_path / 'w'),
                    env={'TORCH_HOME': str(recipe['torch_home'])})
    assert 'Traceback' not in proc.stderr
    scores = json.loads(next((tmp_path / 'w').glob('*/*.json')).read_text())
    val = {p.name: p for p in (data / 'leftImg8bit' / 'val').rglob('*.png')}
    predictions = teacher_predictions(recipe['teacher'], recipe['state'], val)
    inter, union = np.zeros(19), np.zeros(19)
    for name, (_, pred) in predictions.items():
        gt = np.asarray(Image.open(str(val[name]).replace('leftImg8bit', 'gtFine').replace(
            '_gtFine.png', '_gtFine_labelTrainIds.png')))
        for c in range(19):
            inter[c] += ((pred == c) & (gt == c)).sum()
            union[c] += ((pred == c) | (gt == c)).sum()
    with np.errstate(invalid='ignore'):
        assert scores['mIoU'] == pytest.approx(round(float(np.nanmean(inter / union)) * 100, 2), abs=0.011)
