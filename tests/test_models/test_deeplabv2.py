"""DeepLabV2-ResNet101 (and its multi-level variant): parameters, outputs, gradients, pretrained weights."""
import copy

import pytest
import torch
from da_testing.models import MODEL_BASES, batch, build, n_params, params_without_grad
from mmengine.config import Config

from mmseg_da.deploy import optimize_for_inference, predict_labels

PARAMS = 43_016_284  # the seed's figure: ResNet-101 without fc + the four-branch classifier
RESNET101_WITHOUT_FC = 44_549_160 - (2048 * 1000 + 1000)
MULTILEVEL_PARAMS = PARAMS + 4 * (1024 * 9 * 7 + 7)


@pytest.fixture(scope='module')
def tiny_imagenet_checkpoint(tmp_path_factory):
    """A torchvision-style ResNet checkpoint: a recognisable conv1 and an fc layer to be ignored."""
    path = tmp_path_factory.mktemp('ckpt') / 'resnet101_tiny.pth'
    torch.save({'conv1.weight': torch.full((64, 3, 7, 7), 0.25), 'fc.weight': torch.zeros(1000, 2048),
                'fc.bias': torch.zeros(1000)}, path)
    return path


@pytest.fixture(scope='module')
def deeplabv2(tiny_imagenet_checkpoint):
    torch.manual_seed(0)
    model = build('deeplabv2_r101', {'backbone.init_cfg': dict(
        type='Pretrained', checkpoint=str(tiny_imagenet_checkpoint))})
    model.init_weights()
    return model.eval()


@pytest.fixture(scope='module')
def multilevel():
    torch.manual_seed(0)
    return build('deeplabv2_r101_multilevel')


def test_exact_parameter_count(deeplabv2):
    assert n_params(deeplabv2) == PARAMS
    assert n_params(deeplabv2.backbone) == RESNET101_WITHOUT_FC
    assert type(deeplabv2.backbone).__name__ == 'ResNet' and deeplabv2.backbone.depth == 101


def test_pretrained_weights_load_from_the_config(deeplabv2):
    assert torch.all(deeplabv2.backbone.conv1.weight == 0.25)


def test_the_config_names_torchvisions_imagenet_checkpoint():
    init = Config.fromfile(str(MODEL_BASES / 'deeplabv2_r101.py')).model.backbone.init_cfg
    assert init == dict(type='Pretrained',
                        checkpoint='https://download.pytorch.org/models/resnet101-63fe2227.pth')


def test_eval_forward_has_output_stride_8(deeplabv2):
    inputs, samples = batch(1, 64)
    with torch.no_grad():
        feats = deeplabv2.extract_feat(inputs)
        logits = deeplabv2(inputs, mode='tensor')
    assert [tuple(f.shape[1:]) for f in feats] == [(256, 16, 16), (512, 8, 8), (1024, 8, 8),
                                                   (2048, 8, 8)]
    assert logits.shape == (1, 7, 8, 8)


def test_multilevel_adds_the_classifier_on_layer3(multilevel):
    assert n_params(multilevel) == MULTILEVEL_PARAMS
    assert n_params(multilevel) - n_params(multilevel.auxiliary_head) == PARAMS
    inputs, _ = batch(1, 32)
    with torch.no_grad():
        feats = multilevel.extract_feat(inputs)
        main, aux = multilevel.decode_head(feats), multilevel.auxiliary_head(feats)
    assert main.shape == aux.shape == (1, 7, 4, 4)
    assert multilevel.auxiliary_head.in_channels == 1024


def test_one_backward_reaches_every_trainable_parameter(multilevel):
    multilevel.train()
    inputs, samples = batch(2, 32, ignore_fraction=0.2)
    losses = multilevel(inputs, samples, mode='loss')
    assert {'decode.loss_ce', 'aux.loss_ce'} <= set(losses)
    total = losses['decode.loss_ce'] + losses['aux.loss_ce']
    assert torch.isfinite(total)
    total.backward()
    assert params_without_grad(multilevel) == []


def test_folded_model_predicts_like_the_plain_one(deeplabv2):
    torch.manual_seed(1)
    deeplabv2 = copy.deepcopy(deeplabv2)
    for bn in (m for m in deeplabv2.modules() if isinstance(m, torch.nn.BatchNorm2d)):
        bn.running_mean.uniform_(-0.2, 0.2)
        bn.running_var.uniform_(0.5, 2.0)
    inputs = torch.randn(1, 3, 32, 32)
    fast = optimize_for_inference(deeplabv2, inputs)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fast.model.modules())  # all 104 folded
    torch.testing.assert_close(fast(inputs), deeplabv2(inputs, mode='tensor'), rtol=1e-3, atol=1e-3)
    agreement = (fast.predict_labels(inputs) == predict_labels(deeplabv2, inputs)).float().mean()
    assert float(agreement) >= 0.999
