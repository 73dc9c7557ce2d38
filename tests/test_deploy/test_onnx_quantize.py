"""int8 ONNX (mmseg_da.deploy.onnx_quantize, onnx_accuracy) and tools/deploy/onnx_quantize.py: QDQ graph,
calibration on target images without reading labels, mIoU per domain beside fp32, floors; atomic ONNX writes."""
import errno
import json
import shutil
from pathlib import Path

import pytest
import torch
from da_testing import call_tool, small_config
from da_testing.models import tiny_pidnet
from mmengine.config import Config

from mmseg_da.apis import init_segmentor
from mmseg_da.deploy.onnx_export import TensorForward, export_onnx, parity
from mmseg_da.deploy.onnx_quantize import (
    ArrayCalibrationReader,
    calibration_dataset_config,
    quantize_onnx,
    spread_indices,
    target_images,
)
from mmseg_da.deploy.onnx_runtime import InvalidOnnxFileError, OnnxSegmentor, WriteError

TOOL = 'tools/deploy/onnx_quantize.py'
UDA_CONFIG = 'configs/pidnet_s_urban2rural_adv_multi.py'


@pytest.fixture(scope='module')
def onnx_runtime():
    pytest.importorskip('onnx')
    pytest.importorskip('onnxruntime.quantization')


def tiny_uda_config(out_dir: Path, data_root: Path) -> Path:
    """The Urban -> Rural adaptation config shrunk, with an 8-channel PIDNet (7 classes) as the segmentor."""
    path = small_config(UDA_CONFIG, out_dir, data_root)
    cfg = Config.fromfile(str(path))
    cfg.model.segmentor = tiny_pidnet(7, data_preprocessor=cfg.model.segmentor.data_preprocessor)
    cfg.dump(str(path))
    return path


@pytest.fixture(scope='module')
def trained(tmp_path_factory, tiny_loveda, onnx_runtime):
    """A tiny adaptation config on the tiny LoveDA, a checkpoint and its fp32 graph at 32x32."""
    root = tmp_path_factory.mktemp('quantize')
    config = tiny_uda_config(root, tiny_loveda)
    torch.manual_seed(0)
    model = init_segmentor(str(config))
    checkpoint = root / 'tiny.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)
    fp32 = root / 'fp32.onnx'
    export_onnx(model, str(fp32), (32, 32))
    return dict(root=root, config=config, checkpoint=checkpoint, model=model.eval(), fp32=fp32)


def test_spread_indices_cover_the_dataset():
    assert spread_indices(10, 3) == [0, 4, 9] and spread_indices(2, 5) == [0, 1]


def test_calibration_reads_the_target_domain_without_labels(trained, tiny_loveda, tmp_path):
    cfg = Config.fromfile(str(trained['config']))
    dataset_cfg, where = calibration_dataset_config(cfg)
    assert where == 'the target dataset' and dataset_cfg['domain'] == 'Rural'
    assert not {t['type'] for t in dataset_cfg['pipeline']} & {'LoadAnnotations', 'CheckedLoadAnnotations',
                                                                'CheckSegMap', 'GenerateEdge'}
    # a copy of the data whose every mask is garbage: decoding one would fail, so none may be read
    data = Path(shutil.copytree(tiny_loveda, tmp_path / 'garbage_masks'))
    masks = list(data.rglob('masks_png/*.png'))
    assert masks
    for mask in masks:
        mask.write_bytes(b'not a png')
    cfg = Config.fromfile(str(tiny_uda_config(tmp_path, data)))
    images, source = target_images(trained['model'], cfg, 3, (32, 32))
    assert len(images) == 3 and images[0].shape == (1, 3, 32, 32) and 'target dataset' in source
    with pytest.raises(ValueError, match='--domain'):
        calibration_dataset_config(Config.fromfile(str(small_config('configs/pidnet_s_urban.py', tmp_path,
                                                                    tiny_loveda))))


def test_int8_graph_is_qdq_smaller_and_close_to_pytorch(trained, tmp_path):
    import onnx
    images = [torch.randn(1, 3, 32, 32, generator=torch.Generator().manual_seed(i)) for i in range(4)]
    out = tmp_path / 'int8.onnx'
    info = quantize_onnx(str(trained['fp32']), str(out), ArrayCalibrationReader('images', images))
    ops = {node.op_type for node in onnx.load(str(out)).graph.node}
    assert {'QuantizeLinear', 'DequantizeLinear'} <= ops and info['format'] == 'QDQ' and info['per_channel']
    assert info['calibration_images'] == 4 and info['bytes'] < info['fp32_bytes']
    score = parity(TensorForward(trained['model']).eval(), OnnxSegmentor(str(out)), images, False)
    assert 0.8 <= score['argmax_agreement'] < 1.0 + 1e-9
    assert not [p for p in tmp_path.iterdir() if p.name.startswith('.')]  # no temporary file left


def test_tool_prints_miou_per_domain_of_fp32_and_int8(trained, capsys):
    out, report = trained['root'] / 'tool_int8.onnx', trained['root'] / 'int8.json'
    args = (TOOL, str(trained['config']), str(trained['checkpoint']), '--out', str(out), '--calib-images', '2',
            '--eval-images', '4', '--json', str(report))
    assert call_tool(*args, '--min-agreement', '0', '--max-miou-drop', '100') == 0
    printed = capsys.readouterr().out
    result = json.loads(report.read_text())
    scores = result['scores']
    assert list(scores) == ['pytorch', 'onnxruntime', 'onnxruntime-int8']
    assert scores['onnxruntime']['argmax_agreement'] > 0.999
    assert {'Urban/mIoU', 'Rural/mIoU'} <= set(scores['onnxruntime-int8']['metrics'])
    assert '2 unlabelled images of the target dataset' in result['calibration']
    for text in ('QDQ', 'Urban/mIoU', 'Rural/mIoU', 'onnxruntime-int8', 'agreement'):
        assert text in printed
    # a floor it cannot meet: exit 1, naming the file (which was written)
    assert call_tool(*args, '--min-agreement', '100.1') == 1
    err = capsys.readouterr().err
    assert 'Traceback' not in err and str(out) in err and '--min-agreement' in err


def test_export_on_a_full_disk_leaves_nothing_under_the_final_name(trained, tmp_path, monkeypatch):
    out = tmp_path / 'model.onnx'
    out.write_bytes(b'an earlier export')

    def torn_export(module, args, path, **kwargs):
        Path(path).write_bytes(b'\x08' * 1000)  # a part of the file, then the disk is full
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(torch.onnx, 'export', torn_export)
    with pytest.raises(WriteError, match=f'{out}.*No space left'):
        export_onnx(trained['model'], str(out), (32, 32))
    assert out.read_bytes() == b'an earlier export' and [p.name for p in tmp_path.iterdir()] == ['model.onnx']


def test_export_onto_a_folder_names_it(trained, tmp_path):
    folder = tmp_path / 'model.onnx'
    folder.mkdir()
    with pytest.raises(WriteError, match=f'{folder}.*folder'):
        export_onnx(trained['model'], str(folder), (32, 32))


@pytest.mark.parametrize('content', [b'not an onnx model at all', None])
def test_a_garbage_or_truncated_onnx_is_named(trained, tmp_path, content):
    bad = tmp_path / 'bad.onnx'
    bad.write_bytes(content if content is not None else trained['fp32'].read_bytes()[:5000])
    with pytest.raises(InvalidOnnxFileError, match=str(bad)):
        OnnxSegmentor(str(bad))
