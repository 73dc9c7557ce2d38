"""ONNX export of the deployable segmentor (mmseg_da.deploy.onnx_export) and tools/deploy/onnx_export.py: ONNX
Runtime against PyTorch (static and dynamic shapes), parity on test images, adaptation checkpoints, bad input."""
import re
from pathlib import Path

import pytest
import torch
from da_testing import call_tool, small_config
from da_testing.models import tiny_pidnet
from mmengine.config import Config
from torch import nn

from mmseg_da.apis import init_segmentor
from mmseg_da.deploy.onnx_export import export_onnx, parity
from mmseg_da.deploy.onnx_runtime import MissingDependencyError, OnnxSegmentor, require

TOOL = 'tools/deploy/onnx_export.py'


@pytest.fixture(scope='module')
def onnx_runtime():
    pytest.importorskip('onnx')
    return pytest.importorskip('onnxruntime')


def tiny_config(config: str, out_dir: Path, data_root: Path) -> Path:
    """The project's ``config`` shrunk by ``small_config``, with an 8-channel PIDNet (7 classes) as the segmentor."""
    path = small_config(config, out_dir, data_root)
    cfg = Config.fromfile(str(path))
    seg = cfg.model.segmentor if 'segmentor' in cfg.model else cfg.model
    tiny = tiny_pidnet(7, data_preprocessor=seg.data_preprocessor)
    if 'segmentor' in cfg.model:
        cfg.model.segmentor = tiny
    else:
        cfg.model = tiny
    cfg.dump(str(path))
    return path


def randomise_batchnorms(model: nn.Module, seed: int = 0) -> nn.Module:
    """Running statistics and affine parameters away from their defaults (so that a lost tensor shows)."""
    generator = torch.Generator().manual_seed(seed)
    for bn in (m for m in model.modules() if isinstance(m, nn.BatchNorm2d)):
        bn.running_mean.copy_(torch.rand(bn.num_features, generator=generator) - 0.5)
        bn.running_var.copy_(torch.rand(bn.num_features, generator=generator) + 0.5)
        bn.weight.data.copy_(torch.rand(bn.num_features, generator=generator) + 0.5)
        bn.bias.data.copy_(torch.rand(bn.num_features, generator=generator) - 0.5)
    return model


@pytest.fixture(scope='module')
def plain(tmp_path_factory, tiny_loveda):
    """A tiny plain config on the tiny LoveDA, and a checkpoint of it."""
    root = tmp_path_factory.mktemp('onnx_plain')
    config = tiny_config('configs/pidnet_s_urban.py', root, tiny_loveda)
    model = randomise_batchnorms(init_segmentor(config))
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, root / 'plain.pth')
    return dict(config=config, checkpoint=root / 'plain.pth', model=model.eval())


@pytest.mark.parametrize('dynamic', [False, True], ids=['static', 'dynamic'])
def test_onnx_runtime_computes_the_pytorch_logits(onnx_runtime, plain, tmp_path, dynamic):
    model = plain['model']
    info = export_onnx(model, str(tmp_path / 'm.onnx'), shape=(64, 96), dynamic=dynamic)
    classes = model.decode_head.num_classes
    if dynamic:
        assert info['input_shape'] == ['batch', 3, 'height', 'width']
    else:
        assert info['input_shape'] == [1, 3, 64, 96] and info['output_shape'] == [1, classes, 8, 12]
    assert info['opset'] == 17 and info['bytes'] > 0 and not model.training
    ort_model = OnnxSegmentor(info['path'], align_corners=True, threads=1)
    shapes = [(1, 3, 64, 96)] + ([(2, 3, 96, 64)] if dynamic else [])
    for shape in shapes:
        images = torch.randn(*shape, generator=torch.Generator().manual_seed(1))
        with torch.no_grad():
            expected = model(images, mode='tensor')
        torch.testing.assert_close(ort_model(images), expected, rtol=1e-4, atol=1e-4 * float(expected.abs().max()))
        assert ort_model.predict_labels(images).shape == (shape[0], shape[2], shape[3])


def test_full_size_output_and_a_fixed_shape_refuses_others(onnx_runtime, plain, tmp_path):
    info = export_onnx(plain['model'], str(tmp_path / 'full.onnx'), shape=(32, 32), full_size=True)
    assert info['output_shape'] == [1, 7, 32, 32]
    ort_model = OnnxSegmentor(info['path'])
    with pytest.raises(Exception, match='(?i)dimension|shape'):
        ort_model(torch.zeros(1, 3, 64, 64))


def test_parity_counts_disagreeing_pixels():
    logits = torch.zeros(1, 3, 4, 4)
    logits[:, 1] = 1.0  # class 1 everywhere

    def flipped(images):
        out = logits.clone()
        out[0, 2, 0, :2] = 1.5  # two of 16 pixels now say class 2
        return out

    result = parity(lambda images: logits, flipped, [torch.zeros(1, 3, 4, 4)] * 2, align_corners=False)
    assert result['images'] == 2 and result['pixels'] == 32
    assert result['argmax_agreement'] == pytest.approx(14 / 16)
    assert result['max_abs_diff'] == pytest.approx(1.5) and result['max_abs_logit'] == pytest.approx(1.0)
    assert parity(lambda images: logits, lambda images: logits, [torch.zeros(1, 3, 4, 4)],
                  align_corners=False)['argmax_agreement'] == 1.0


def agreement(printed: str) -> float:
    return float(re.search(r'argmax agreement ([\d.]+)%', printed).group(1))


def test_tool_checks_parity_on_the_test_images(onnx_runtime, plain, tmp_path, capsys):
    out = tmp_path / 'plain.onnx'
    code = call_tool(TOOL, str(plain['config']), str(plain['checkpoint']), '--out', str(out), '--shape', '64', '64',
                     '--images', '3', '--threads', '1')
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert out.is_file() and f'wrote {out}' in printed
    assert 'on 3 test images (resized to 64x64)' in printed and '12288 pixels' in printed  # 3 x 64 x 64
    assert agreement(printed) >= 99.9 and 'max |logit difference|' in printed
    # the same check cannot reach an agreement above 100%: a failed check is exit code 1, with the reason
    code = call_tool(TOOL, str(plain['config']), str(plain['checkpoint']), '--out', str(out), '--shape', '64', '64',
                     '--images', '1', '--min-agreement', '100.5')
    captured = capsys.readouterr()
    assert code == 1 and 'parity check failed' in captured.err and '--min-agreement 100.5' in captured.err


def test_tool_exports_the_segmentor_of_an_adaptation_checkpoint(onnx_runtime, tmp_path, tiny_loveda, capsys):
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    config = tiny_config('configs/pidnet_s_urban2rural_adv_single.py', tmp_path, tiny_loveda)
    init_default_scope('mmseg')
    torch.manual_seed(3)
    uda = MODELS.build(Config.fromfile(str(config)).model)
    randomise_batchnorms(uda.segmentor, seed=3)
    state = uda.state_dict()
    assert any(k.startswith('discriminator.') for k in state)
    torch.save({'state_dict': state, 'meta': {}}, tmp_path / 'adv.pth')
    out = tmp_path / 'adv.onnx'
    code = call_tool(TOOL, str(config), str(tmp_path / 'adv.pth'), '--out', str(out), '--shape', '32', '32',
                     '--random-inputs', '--images', '2', '--dynamic')
    printed = capsys.readouterr().out
    assert code == 0 and 'on 2 random images' in printed and 'dynamic' in printed
    assert agreement(printed) >= 99.9
    images = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        expected = uda.segmentor.eval()(images, mode='tensor')  # the checkpoint's weights, not a fresh model's
    got = OnnxSegmentor(str(out))(images)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4 * float(expected.abs().max()))


def test_tool_without_the_data_names_the_folder_and_the_way_out(onnx_runtime, plain, tmp_path, capsys):
    code = call_tool(TOOL, str(plain['config']), str(plain['checkpoint']), '--out', str(tmp_path / 'm.onnx'),
                     '--data-root', str(tmp_path))
    err = capsys.readouterr().err
    assert code == 1 and 'Traceback' not in err
    assert str(tmp_path) in err and '--random-inputs' in err
    assert not (tmp_path / 'm.onnx').exists()


def test_a_missing_optional_package_names_the_extra():
    with pytest.raises(MissingDependencyError, match=r"pip install -e '\.\[deploy\]'"):
        require('no_such_onnx_package')
