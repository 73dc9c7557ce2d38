"""AdversarialSegmentor on hand-made UDA batches with tiny PIDNet / DeepLabV2-style segmentors (32x32)."""
import copy

import pytest
import torch
from da_testing.models import tiny_pidnet as shared_tiny_pidnet
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_da  # noqa: F401
from mmseg_da.models.segmentors import AdversarialSegmentor

NUM_CLASSES = 5
SIZE = 32

PREPROCESSOR = dict(type='SegDataPreProcessor', mean=[0., 0., 0.], std=[1., 1., 1.], bgr_to_rgb=False,
                    pad_val=0, seg_pad_val=255, size=(32, 32))


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    """Tiny models run ~10x faster on one thread than on two busy ones."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny_pidnet() -> dict:
    """mmseg's PIDNet + PIDHead, narrow and shallow (16-channel head, mmseg's default dropout)."""
    return shared_tiny_pidnet(NUM_CLASSES, head_channels=16, dropout_ratio=0.1, data_preprocessor=PREPROCESSOR)


def tiny_deeplab(multilevel: bool = True) -> dict:
    """A narrow dilated ResNet-18 with DLV2Head classifiers on layer4 and (multi-level) layer3."""
    cfg = dict(
        type='EncoderDecoder', data_preprocessor=PREPROCESSOR,
        backbone=dict(type='ResNet', depth=18, base_channels=8, stem_channels=8, num_stages=4,
                      out_indices=(0, 1, 2, 3), dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1),
                      contract_dilation=False, norm_cfg=dict(type='BN', requires_grad=True)),
        decode_head=dict(type='DLV2Head', in_channels=64, in_index=3, dilations=(1, 2),
                         num_classes=NUM_CLASSES, loss_decode=dict(type='PlainCrossEntropyLoss')),
        train_cfg=dict(), test_cfg=dict(mode='whole'))
    if multilevel:
        cfg['auxiliary_head'] = dict(type='DLV2Head', in_channels=32, in_index=2, dilations=(1, 2),
                                     num_classes=NUM_CLASSES,
                                     loss_decode=dict(type='PlainCrossEntropyLoss', loss_weight=0.1))
    return cfg


def build(segmentor: dict, seed: int = 0, **kwargs) -> AdversarialSegmentor:
    init_default_scope('mmseg')
    torch.manual_seed(seed)
    kwargs.setdefault('disc_input_scale', 'input')
    kwargs.setdefault('discriminator', dict(type='FCDiscriminator', widths=(8, 16, 16, 16)))
    model = MODELS.build(dict(type='AdversarialSegmentor', segmentor=segmentor, **kwargs))
    model.init_weights()
    return model


def branch(n: int, seed: int, labelled: bool, brightness: float = 0.0) -> dict:
    """A collated, not yet preprocessed branch: uint8-range image tensors and data samples."""
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(n):
        img = (torch.rand(3, SIZE, SIZE, generator=g) * 100 + brightness).clamp(0, 255)
        sample = SegDataSample(metainfo=dict(img_shape=(SIZE, SIZE), ori_shape=(SIZE, SIZE)))
        if labelled:
            sample.gt_sem_seg = PixelData(data=torch.randint(0, NUM_CLASSES, (1, SIZE, SIZE), generator=g))
            edge = torch.zeros(1, SIZE, SIZE, dtype=torch.long)
            edge[:, SIZE // 2 - 1:SIZE // 2 + 1] = 1
            sample.gt_edge_map = PixelData(data=edge)
        inputs.append(img)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def uda_batch(seed: int = 0, n: int = 2) -> dict:
    return dict(source=branch(n, seed, True, brightness=120), target=branch(n, seed + 100, False))


class RecordingOptimWrapper(OptimWrapper):
    """Records which parameters hold a non-zero gradient when ``step`` is called."""

    def __init__(self, optimizer, owner: torch.nn.Module):
        super().__init__(optimizer)
        self.owner = owner
        self.seen = []

    def step(self, **kwargs):
        self.seen.append({name: p.grad is not None and bool(p.grad.abs().sum() > 0)
                          for name, p in self.owner.named_parameters()})
        super().step(**kwargs)


def optim_wrappers(model: torch.nn.Module, lr: float = 0.0) -> OptimWrapperDict:
    seg = RecordingOptimWrapper(torch.optim.SGD(model.segmentor.parameters(), lr=lr), model)
    disc = RecordingOptimWrapper(torch.optim.Adam(model.discriminator.parameters(), lr=1e-3), model)
    return OptimWrapperDict(segmentor=seg, discriminator=disc)


# -- build-time checks ---------------------------------------------------------------------------
def test_levels_are_found_per_model():
    pid = build(tiny_pidnet(), levels=('main', 'aux'))
    assert pid.output_levels.sources == {'main': ('decode', 1), 'aux': ('decode', 0)}
    dl = build(tiny_deeplab(), levels=('main', 'aux'))
    assert dl.output_levels.sources == {'main': ('decode', None), 'aux': ('auxiliary', None)}
    assert set(dl.discriminator.discriminators) == {'main', 'aux'}
    assert dl.adv_weights == {'main': 0.001, 'aux': 0.0002}


def test_a_level_the_segmentor_does_not_produce_is_an_error():
    with pytest.raises(ValueError, match=r"levels=\('main', 'aux'\).*\['aux'\] not available"):
        build(tiny_deeplab(multilevel=False), levels=('main', 'aux'))
    with pytest.raises(ValueError, match=r"levels=\('final',\)"):
        build(tiny_pidnet(), levels=('final', ))
    with pytest.raises(ValueError, match='adv_weights'):
        build(tiny_pidnet(), levels=('main', 'aux'), adv_weights=dict(main=0.1))


def test_discriminator_channels_must_match_the_classes():
    with pytest.raises(ValueError, match=r'discriminator\.in_channels=7 .* 5 classes'):
        build(tiny_pidnet(), discriminator=dict(type='FCDiscriminator', in_channels=7))


def test_other_bad_arguments():
    with pytest.raises(ValueError, match='disc_input_scale'):
        build(tiny_pidnet(), disc_input_scale='full')
    model = build(tiny_pidnet())
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(TypeError, match="UDAOptimWrapperConstructor"):
        model.train_step(uda_batch(), wrapper)
    with pytest.raises(TypeError, match='UDADataset'):
        model.train_step(branch(2, 0, True), optim_wrappers(model))


# -- the supervised loss is mmseg's -------------------------------------------------------------
@pytest.mark.parametrize('segmentor', [tiny_pidnet, tiny_deeplab], ids=['pidnet', 'deeplab_multi'])
def test_source_loss_equals_mmseg_encoder_decoder_loss(segmentor):
    model = build(segmentor(), levels=('main', 'aux'))
    model.train()
    data = model.preprocess_branch(uda_batch()['source'])
    torch.manual_seed(1)  # the heads' dropout
    reference = model.seg_model.loss(data['inputs'], data['data_samples'])
    torch.manual_seed(1)
    outputs = model.output_levels.forward(model.segmentor, model.seg_model, data['inputs'])
    ours = model.output_levels.loss(model.seg_model, outputs, data['data_samples'])
    assert set(ours) == set(reference)
    for key in reference:
        assert torch.allclose(ours[key], reference[key]), key
    if segmentor is tiny_pidnet:  # P and I logits at 1/8
        assert model.output_levels.select(outputs, 'aux').shape == (2, NUM_CLASSES, 4, 4)
        assert {'decode.loss_sem_p', 'decode.loss_sem_i', 'decode.loss_bd'} <= set(ours)
    else:
        assert 'aux.loss_ce' in ours


# -- the training step ---------------------------------------------------------------------------
@pytest.mark.parametrize('levels', [('main', ), ('main', 'aux')])
def test_train_step_logs_every_term(levels):
    model = build(tiny_pidnet(), levels=levels)
    log_vars = model.train_step(uda_batch(), optim_wrappers(model))
    for level in levels:
        for key in (f'adv.loss_{level}', f'disc.loss_{level}', f'disc.acc_{level}'):
            assert key in log_vars and torch.isfinite(torch.as_tensor(log_vars[key]))
    assert 'decode.loss_sem_i' in log_vars and 'loss' in log_vars
    assert all(not torch.is_tensor(v) or not v.requires_grad for v in log_vars.values())
    assert ('adv.loss_aux' in log_vars) == ('aux' in levels)


def test_segmentor_step_gives_no_gradient_to_the_discriminators():
    model = build(tiny_pidnet(), levels=('main', 'aux'))
    optims = optim_wrappers(model)
    data = uda_batch()
    source, target = model.preprocess_branch(data['source']), model.preprocess_branch(data['target'])
    model.segmentor_step(source, target, optims['segmentor'])
    seen = optims['segmentor'].seen[-1]
    assert not any(v for k, v in seen.items() if k.startswith('discriminator.'))
    assert all(p.grad is None for p in model.discriminator.parameters())
    assert all(p.requires_grad for p in model.discriminator.parameters())  # unfrozen again
    seg_with_grad = [k for k, v in seen.items() if k.startswith('segmentor.') and v]
    assert len(seg_with_grad) > 0.9 * len(list(model.segmentor.parameters()))


def test_discriminator_step_gives_no_gradient_to_the_segmentor():
    model = build(tiny_pidnet(), levels=('main', 'aux'))
    optims = optim_wrappers(model)
    model.train_step(uda_batch(), optims)
    seen = optims['discriminator'].seen[-1]
    assert not any(v for k, v in seen.items() if k.startswith('segmentor.'))
    assert all(v for k, v in seen.items() if k.startswith('discriminator.'))


def _segmentor_grads(model: AdversarialSegmentor, **adv_weights) -> dict:
    model = copy.deepcopy(model)
    model.adv_weights.update(adv_weights)
    optims = optim_wrappers(model)
    grads = {}

    def record(**kwargs):  # capture the summed gradient at the segmentor's step
        for name, p in model.segmentor.named_parameters():
            grads[name] = None if p.grad is None else p.grad.clone()

    optims['segmentor'].step = record
    data = uda_batch()
    source, target = model.preprocess_branch(data['source']), model.preprocess_branch(data['target'])
    model.segmentor_step(source, target, optims['segmentor'])
    return grads


def _differs(a, b) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return not torch.allclose(a, b, atol=1e-9, rtol=0)


@pytest.mark.parametrize('levels', [('main', ), ('main', 'aux')])
def test_adversarial_gradient_reaches_exactly_the_judged_levels(levels):
    """The target term changes the gradient of the I head; of the P head only when 'aux' is judged."""
    model = build(tiny_pidnet(), levels=levels)
    model.train()
    without = _segmentor_grads(model, **{lv: 0.0 for lv in levels})
    with_adv = _segmentor_grads(model, **{lv: 10.0 for lv in levels})
    assert _differs(without['decode_head.conv_seg.weight'], with_adv['decode_head.conv_seg.weight'])
    assert _differs(without['backbone.stem.0.conv.weight'], with_adv['backbone.stem.0.conv.weight'])
    p_head_changed = _differs(without['decode_head.p_cls_seg.weight'], with_adv['decode_head.p_cls_seg.weight'])
    assert p_head_changed == ('aux' in levels)
    assert not _differs(without['decode_head.d_cls_seg.weight'], with_adv['decode_head.d_cls_seg.weight'])


def test_multi_level_deeplab_trains_both_heads_and_discriminators():
    model = build(tiny_deeplab(), levels=('main', 'aux'))
    optims = optim_wrappers(model)
    log_vars = model.train_step(uda_batch(), optims)
    assert {'decode.loss_ce', 'aux.loss_ce', 'adv.loss_main', 'adv.loss_aux', 'disc.loss_aux'} <= set(log_vars)
    seen = optims['segmentor'].seen[-1]
    assert seen['segmentor.auxiliary_head.conv_seg.0.weight'] and seen['segmentor.decode_head.conv_seg.1.bias']


@pytest.mark.parametrize('gan_type', ['vanilla', 'lsgan'])
def test_discriminator_loss_falls_when_the_segmentor_is_frozen_and_domains_differ(gan_type):
    model = build(tiny_pidnet(), levels=('main', 'aux'), gan_loss=dict(type='GANLoss', gan_type=gan_type))
    model.train()
    disc_optim = OptimWrapper(torch.optim.Adam(model.discriminator.parameters(), lr=1e-3))
    data = uda_batch(n=4)
    data['target'] = branch(4, 7, False, brightness=-60)  # dark target, bright source
    with torch.no_grad():
        probs = []
        for name in ('source', 'target'):
            batch = model.preprocess_branch(data[name])
            out = model.output_levels.forward(model.segmentor, model.seg_model, batch['inputs'])
            probs.append(model.disc_inputs(out, batch['inputs'].shape[2:]))
    frozen_state = copy.deepcopy(model.segmentor.state_dict())
    losses, accs = [], []
    for _ in range(40):
        log_vars = model.discriminator_step(*probs, disc_optim)
        losses.append(float(log_vars['disc.loss_main'] + log_vars['disc.loss_aux']))
        accs.append(float(log_vars['disc.acc_main']))
    assert sum(losses[-5:]) < 0.6 * sum(losses[:5]), losses
    assert accs[-1] >= 0.75 and accs[-1] > accs[0]
    for key, value in model.segmentor.state_dict().items():
        assert torch.equal(value, frozen_state[key]), key


def test_lsgan_and_vanilla_give_different_adversarial_losses():
    values = {}
    for gan_type in ('vanilla', 'lsgan'):
        model = build(tiny_pidnet(), gan_loss=dict(type='GANLoss', gan_type=gan_type))
        values[gan_type] = float(model.train_step(uda_batch(), optim_wrappers(model))['adv.loss_main'])
    # same discriminator init: BCE(d, 0) = softplus(d) vs d**2, both times the weight 0.001
    assert values['vanilla'] != pytest.approx(values['lsgan'])
    assert 0 < values['vanilla'] < 0.01 and 0 <= values['lsgan'] < 0.01


def test_native_logit_resolution_is_judged_by_default():
    model = build(tiny_pidnet(), disc_input_scale=1.0, discriminator=dict(type='FCDiscriminator',
                                                                            widths=(8, )))
    data = uda_batch()
    target = model.preprocess_branch(data['target'])
    out = model.output_levels.forward(model.segmentor, model.seg_model, target['inputs'])
    assert model.disc_inputs(out, (SIZE, SIZE))['main'].shape == (2, NUM_CLASSES, 4, 4)
    model.train_step(data, optim_wrappers(model))


def test_amp_sub_wrappers_run_the_adversarial_step(monkeypatch):
    """``--amp`` makes each entry an AmpOptimWrapper; here on CPU (bfloat16 autocast, no loss scaling)."""
    from mmengine.optim import build_optim_wrapper
    from mmengine.optim.optimizer import amp_optimizer_wrapper
    monkeypatch.setattr(amp_optimizer_wrapper, 'is_cuda_available', lambda: True)  # it insists on a GPU
    model = build(tiny_pidnet(), levels=('main', 'aux'))
    amp = dict(type='AmpOptimWrapper', dtype='bfloat16', loss_scale='dynamic')
    wrappers = build_optim_wrapper(model, dict(
        constructor='UDAOptimWrapperConstructor',
        segmentor=dict(amp, optimizer=dict(type='SGD', lr=0.01)),
        discriminator=dict(amp, optimizer=dict(type='Adam', lr=1e-3))))
    assert {type(w).__name__ for w in wrappers.values()} == {'AmpOptimWrapper'}
    before = copy.deepcopy(model.state_dict())
    log_vars = model.train_step(uda_batch(), wrappers)
    assert all(torch.isfinite(torch.as_tensor(v)) for v in log_vars.values())
    after = model.state_dict()
    for name in ('segmentor.decode_head.conv_seg.weight', 'discriminator.discriminators.aux.classifier.weight'):
        assert not torch.equal(before[name], after[name]), name
