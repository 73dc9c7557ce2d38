"""MeanTeacherSegmentor: EMA teacher, thresholded pseudo-label weights, ClassMix; a real Runner + tools/test.py."""
import copy
import json

import pytest
import torch
from da_testing.models import tiny_pidnet, uda_batch
from da_testing.writers import write_gta5_and_cityscapes
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_da  # noqa: F401
from mmseg_da.models.utils import class_mix_masks, mix
from mmseg_da.models.utils.output_levels import main_logits


@pytest.fixture(autouse=True)
def one_thread():
    """Two torch threads on two busy shared cores are ~40x slower than one."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def build_model(**train_cfg):
    init_default_scope('mmseg')
    torch.manual_seed(0)
    return MODELS.build(dict(type='MeanTeacherSegmentor', segmentor=tiny_pidnet(), train_cfg=train_cfg))


def test_teacher_follows_the_ema_formula_with_warm_up():
    model = build_model(alpha=0.6)
    model.train()
    assert not model.teacher.training and not any(p.requires_grad for p in model.teacher.parameters())
    optim = OptimWrapper(torch.optim.SGD(model.segmentor.parameters(), lr=0.1))
    for step, alpha in enumerate([0.0, 0.5, 0.6, 0.6]):  # min(1 - 1/(t+1), 0.6)
        before = copy.deepcopy(model.teacher.module.state_dict())
        log = model.train_step(uda_batch(seed=step), optim)
        assert log['ema_alpha'] == pytest.approx(alpha)
        student = model.segmentor.state_dict()
        for name, value in model.teacher.module.state_dict().items():
            if value.dtype.is_floating_point:
                expected = alpha * before[name] + (1 - alpha) * student[name]
                torch.testing.assert_close(value, expected, rtol=1e-5, atol=1e-6, msg=name)
            else:
                assert torch.equal(value, student[name]), name
        assert all(p.grad is None for p in model.teacher.parameters())
    assert int(model.teacher.steps) == 4
    assert {'mix.loss_ce', 'mix.pseudo_weight', 'mix.teacher_conf'} <= set(log)
    assert any(k.startswith('src.decode.') for k in log)


@pytest.mark.parametrize('weighting', ['fraction', 'confidence'])
def test_pseudo_label_weights_follow_the_threshold(weighting):
    model = build_model(pseudo_weight=weighting)
    model.teacher.steps += 1  # the teacher as it is (not re-initialised from the student)
    inputs = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        probs = torch.softmax(main_logits(model.teacher(inputs, mode='tensor'), model.teacher.module, (32, 32)), 1)
    conf, expected_labels = probs.max(1)
    model.pseudo_threshold = float(conf.median())
    labels, weights, confidence = model.pseudo_label(inputs)
    assert torch.equal(labels, expected_labels)
    torch.testing.assert_close(confidence, conf)
    if weighting == 'fraction':
        fraction = (conf >= model.pseudo_threshold).float().mean()
        assert 0.3 < float(fraction) < 0.7
        torch.testing.assert_close(weights, torch.full_like(conf, float(fraction)))
    else:
        torch.testing.assert_close(weights, conf)


def test_class_mix_pastes_exactly_the_selected_classes():
    label = torch.full((3, 8, 8), 255)
    label[0, :4], label[0, 4:6], label[0, 6:] = 0, 2, 5  # 3 classes -> 2 picked
    label[1, :, :3], label[1, :, 3:] = 1, 3  # 2 classes -> 1 picked
    label[2] = 255  # nothing to paste
    masks, chosen = class_mix_masks(label, generator=torch.Generator().manual_seed(0))
    assert [len(c) for c in chosen] == [2, 1, 0]
    for i in range(3):
        assert set(chosen[i].tolist()) <= set(label[i].unique().tolist()) - {255}
        assert torch.equal(masks[i], torch.isin(label[i], chosen[i]))
    src_img, tgt_img = torch.rand(3, 3, 8, 8), torch.rand(3, 3, 8, 8)
    mixed = mix(masks, src_img, tgt_img)
    m = masks.unsqueeze(1).expand_as(src_img)
    assert torch.equal(mixed[m], src_img[m]) and torch.equal(mixed[~m], tgt_img[~m])
    pseudo = torch.randint(0, 4, (3, 8, 8))
    mixed_label = mix(masks, label, pseudo)
    assert torch.equal(mixed_label[masks], label[masks]) and torch.equal(mixed_label[~masks], pseudo[~masks])
    with pytest.raises(ValueError, match='same crop size'):
        mix(masks, src_img, torch.rand(3, 3, 8, 9))


def spy_on_student(model, monkeypatch) -> list:
    """``(inputs, mode)`` of every call of the student, in order."""
    seen = []
    real_forward = model.segmentor.forward

    def spy(inputs, data_samples=None, mode='tensor'):
        seen.append((inputs.clone(), mode))
        return real_forward(inputs, data_samples, mode)

    monkeypatch.setattr(model.segmentor, 'forward', spy)
    return seen


def test_mixed_batch_is_what_the_student_sees(monkeypatch):
    model = build_model()
    model.train()
    optim = OptimWrapper(torch.optim.SGD(model.segmentor.parameters(), lr=0.01))
    seen = spy_on_student(model, monkeypatch)
    torch.manual_seed(3)
    batch = uda_batch()
    source = model.preprocess_branch(copy.deepcopy(batch['source']))
    target = model.preprocess_branch(copy.deepcopy(batch['target']))
    torch.manual_seed(4)
    model.train_step(batch, optim)
    mixed = [x for x, mode in seen if mode == 'tensor'][0]
    src_labels = torch.stack([s.gt_sem_seg.data[0] for s in source['data_samples']])
    torch.manual_seed(4)
    masks, _ = class_mix_masks(src_labels)
    assert masks.any() and (~masks).any()
    torch.testing.assert_close(mixed, mix(masks, source['inputs'], target['inputs']))


def test_checkpoints_from_before_the_mmengine_teacher_load():
    model = build_model()
    model.teacher.update_parameters(model.seg_model)
    state = model.state_dict()
    old = {('ema_iter' if k == 'teacher.steps' else k.replace('teacher.module.', 'teacher.', 1)): v.clone()
           for k, v in state.items()}
    fresh = build_model()
    fresh.load_state_dict(old, strict=True)
    for name, value in fresh.state_dict().items():
        assert torch.equal(value, state[name]), name


def test_teacher_keeps_averaging_after_the_model_is_moved():
    model = build_model(alpha=0.6).double()  # .to(device) replaces every tensor, as .double() does
    model.teacher.update_parameters(model.seg_model)
    with torch.no_grad():
        for param in model.segmentor.parameters():
            param.add_(1.0)
    before = copy.deepcopy(model.teacher.module.state_dict())
    model.update_teacher()
    name, student = next(iter(model.segmentor.state_dict().items()))
    torch.testing.assert_close(model.teacher.module.state_dict()[name], 0.5 * before[name] + 0.5 * student)


def test_bad_train_cfg_is_refused():
    with pytest.raises(ValueError, match='pseudo_threshold'):
        build_model(pseudo_threshold=1.2)
    with pytest.raises(ValueError, match='pseudo_weight'):
        build_model(pseudo_weight='entropy')
    with pytest.raises(ValueError, match='teacher_bn'):
        build_model(teacher_bn='frozen')
    with pytest.raises(ValueError, match=r"unknown train_cfg.mic key\(s\) \['ratio'\]"):
        build_model(mic=dict(ratio=0.5))
    with pytest.raises(ValueError, match='mask_ratio'):
        build_model(mic=dict(mask_ratio=1.0))
    with pytest.raises(ValueError, match='strong_aug'):
        build_model(strong_aug='kornia')


def _norms(module):
    return [m for m in module.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]


def test_teacher_in_train_mode_uses_batch_statistics_and_keeps_its_running_ones():
    model = build_model(teacher_bn='train')
    model.teacher.update_parameters(model.seg_model)
    with torch.no_grad():  # running statistics far from any batch's
        for m in _norms(model.teacher.module):
            m.running_mean.add_(3.0)
    before = copy.deepcopy(model.teacher.module.state_dict())
    inputs = torch.randn(2, 3, 32, 32)
    labels, _, confidence = model.pseudo_label(inputs)
    for name, value in model.teacher.module.state_dict().items():
        assert torch.equal(value, before[name]), name  # running statistics and counters untouched
    assert all(not m.training and m.momentum == 0.1 for m in _norms(model.teacher.module))
    reference = copy.deepcopy(model.teacher.module).train()  # batch statistics
    with torch.no_grad():
        expected = torch.softmax(main_logits(reference(inputs, mode='tensor'), reference, (32, 32)), 1).max(1)
    torch.testing.assert_close(confidence, expected.values)
    assert torch.equal(labels, expected.indices)
    eval_model = build_model(teacher_bn='eval')
    eval_model.teacher.load_state_dict(model.teacher.state_dict())
    assert not torch.allclose(eval_model.pseudo_label(inputs)[2], confidence)


def test_strong_augmentation_and_masked_target_reach_the_student(monkeypatch):
    model = build_model(strong_aug=True, mic=dict(mask_ratio=0.5, block_size=4, loss_weight=2.0),
                        pseudo_weight='confidence')
    model.train()
    optim = OptimWrapper(torch.optim.SGD(model.segmentor.parameters(), lr=0.01))
    seen = spy_on_student(model, monkeypatch)
    augmented = []
    real_augment = model.augment
    monkeypatch.setattr(model, 'augment', lambda x: augmented.append(x.clone()) or real_augment(x))
    batch = uda_batch()
    target = model.preprocess_branch(copy.deepcopy(batch['target']))
    torch.manual_seed(5)
    log = model.train_step(batch, optim)
    mixed, masked = [x for x, mode in seen if mode == 'tensor']
    assert len(augmented) == 2 and torch.equal(augmented[1], target['inputs'])  # mixed image, then target
    assert not torch.equal(mixed, augmented[0])  # strongly augmented (probability 1 - 0.1 per image)
    zero = (masked == 0).all(1)  # masked pixels are 0 in every channel, in whole 4x4 blocks
    blocks = zero.unfold(1, 4, 4).unfold(2, 4, 4)
    assert torch.equal(blocks.all(-1).all(-1), blocks.any(-1).any(-1)) and 0.2 < zero.float().mean() < 0.8
    assert log['mic.loss_ce'] > 0 and 'mix.loss_ce' in log


@pytest.mark.parametrize('scale, block', [(None, 64), ((0.125, 0.125), 8), ((1280 / 2048, 640 / 1024), 40)])
def test_mic_block_size_follows_the_target_images_resize_factor(monkeypatch, scale, block):
    from mmseg_da.models.segmentors import mean_teacher
    model = build_model(mic=dict(mask_ratio=0.5))
    model.train()
    blocks = []
    monkeypatch.setattr(mean_teacher, 'masked_images', lambda x, size, ratio: blocks.append(size) or x)
    batch = uda_batch()
    for sample in batch['target']['data_samples']:  # 32x32 crops of images resized by ``scale``
        if scale is not None:
            sample.set_metainfo(dict(scale_factor=scale))
    model.train_step(batch, OptimWrapper(torch.optim.SGD(model.segmentor.parameters(), lr=0.0)))
    assert blocks == [block]  # not the crop's side: a 32 px crop would give 2 px by its shorter side


def test_mic_loss_is_weighted_cross_entropy_on_the_masked_prediction(monkeypatch):
    from mmseg_da.models.losses import weighted_cross_entropy
    model = build_model(mic=dict(mask_ratio=0.0, loss_weight=3.0), pseudo_weight='confidence', class_mix=False)
    model.train()
    calls = []
    monkeypatch.setattr('mmseg_da.models.segmentors.mean_teacher.weighted_cross_entropy',
                        lambda *a: calls.append(a) or weighted_cross_entropy(*a))
    batch = uda_batch()
    target = model.preprocess_branch(copy.deepcopy(batch['target']))
    expected_labels, expected_weights, _ = model.pseudo_label(target['inputs'])
    model.teacher.steps.zero_()  # the step below re-initialises the teacher from the student, as here
    log = model.train_step(batch, OptimWrapper(torch.optim.SGD(model.segmentor.parameters(), lr=0.0)))
    (_, mix_labels, mix_weights, _), (logits, mic_labels, mic_weights, _) = calls
    assert torch.equal(mic_labels, expected_labels) and torch.equal(mic_weights, expected_weights)
    assert float(log['mic.loss_ce']) == pytest.approx(3 * float(weighted_cross_entropy(
        logits, mic_labels, mic_weights)), rel=1e-5)


def test_runner_trains_and_test_py_evaluates_the_checkpoint(tmp_path, monkeypatch):
    """mmengine's Runner (as tools/train.py) on tiny GTA5 -> Cityscapes PNGs, then tools/test.py on its checkpoint."""

    from da_testing import call_tool, small_config
    from mmengine.runner import Runner

    from mmseg_da.config.loading import load_config
    data = write_gta5_and_cityscapes(tmp_path / 'data')
    # one checkpoint (no best-checkpoint copy): mmengine formats the whole config into every checkpoint
    # 64x64, batch 4: at 32x32 and batch 2 PIDNet's deepest BatchNorm layers see 2 values per channel, their
    # gradients explode and the second iteration's teacher diverges (stopped by NonFiniteLossHook)
    cfg = small_config('configs/pidnet_s_gta2citys_mean_teacher.py', tmp_path / 'cfg', data, length=2, size=64,
                       batch_size=4,
                       **{'default_hooks.checkpoint.save_best': None})
    # tools/train.py and tools/test.py run in this process (a second interpreter costs more than the run);
    # visualizers are process-wide singletons by name, so each run names its own
    run_cfg = load_config(str(cfg), None, str(tmp_path / 'run'))
    run_cfg.visualizer['name'] = 'visualizer_mean_teacher_train'
    Runner.from_cfg(run_cfg).train()
    checkpoint = (tmp_path / 'run' / 'last_checkpoint').read_text().strip()
    state = torch.load(checkpoint, map_location='cpu')['state_dict']
    assert int(state['teacher.steps']) > 0
    teacher = {k[len('teacher.module.'):]: v for k, v in state.items() if k.startswith('teacher.module.')}
    student = {k[len('segmentor.'):]: v for k, v in state.items() if k.startswith('segmentor.')}
    assert teacher.keys() == student.keys() and len(teacher) > 100
    assert not all(torch.equal(teacher[k], student[k]) for k in teacher if teacher[k].is_floating_point())

    assert call_tool('tools/test.py', str(cfg), checkpoint, '--work-dir', str(tmp_path / 'test'),
                     '--cfg-options', 'visualizer.name=visualizer_mean_teacher_test') == 0
    metrics = json.loads(next((tmp_path / 'test').glob('*/*.json')).read_text())
    assert 0 <= metrics['mIoU'] <= 100


@pytest.mark.parametrize('update', [False, True])
def test_masked_batch_enters_the_running_statistics_only_when_asked(update):
    def running_stats(**train_cfg):
        model = build_model(class_mix=False, **train_cfg)
        model.train()
        model.train_step(uda_batch(), OptimWrapper(torch.optim.SGD(model.segmentor.parameters(), lr=0.0)))
        return {k: v for k, v in model.segmentor.state_dict().items() if 'running' in k}

    plain = running_stats()
    with_mic = running_stats(mic=dict(mask_ratio=0.5, update_bn_stats=update))
    same = all(torch.equal(plain[k], with_mic[k]) for k in plain)
    assert same is not update
