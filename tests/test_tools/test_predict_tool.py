"""tools/predict.py end to end with the checkpoints of two real tiny training runs."""
import shutil

import numpy as np
import pytest
import torch
from da_testing import call_tool
from da_testing.runs import one_thread, tiny_runs
from PIL import Image

LOVEDA_PALETTE = {(255, 255, 255), (255, 0, 0), (255, 255, 0), (0, 0, 255), (159, 129, 183), (0, 255, 0),
                  (255, 195, 128)}


@pytest.fixture(scope='module')
def runs(tmp_path_factory, tiny_loveda):
    return tiny_runs(tmp_path_factory, tiny_loveda)


@pytest.fixture(autouse=True)
def _one_thread():
    with one_thread():
        yield


def checkpoint(work_dir):
    return (work_dir / 'last_checkpoint').read_text().strip()


def colours(path):
    with Image.open(path) as image:
        pixels = np.asarray(image.convert('RGB'))
    return pixels, {tuple(c) for c in np.unique(pixels.reshape(-1, 3), axis=0)}


def test_one_palette_mask_per_input_from_an_adaptation_checkpoint(runs, tmp_path):
    root = runs['data_root']
    folder = tmp_path / 'images'
    shutil.copytree(root / 'Val' / 'Rural' / 'images_png', folder)
    single = root / 'Val' / 'Urban' / 'images_png' / '1.png'
    inputs = sorted(folder.glob('*.png')) + [single]
    out = tmp_path / 'out'
    args = [str(runs['configs']['adapted']), checkpoint(runs['runs']['adapted']), str(folder), str(single),
            '--out', str(out), '--device', 'cpu', '--overlay', '0.5']
    assert call_tool('tools/predict.py', *args) == 0
    masks = sorted(out.glob('*_mask.png'))
    assert len(masks) == len(inputs) == 3
    # 1.png is in the folder and given alone: told apart by their parent folders
    assert {m.name for m in masks} == {'0_mask.png', 'images_1_mask.png', 'images_png_1_mask.png'}
    for mask in masks:
        pixels, found = colours(mask)
        assert pixels.shape[:2] == (32, 32)
        assert found <= LOVEDA_PALETTE, found - LOVEDA_PALETTE
        assert (out / mask.name.replace('_mask', '_overlay')).is_file()
    assert not list(out.glob('*_compare.png'))  # plain files carry no labels


def test_dataset_split_writes_comparisons_and_a_plain_config_reads_adapted_weights(runs, tmp_path):
    ckpt = checkpoint(runs['runs']['adapted'])
    keys = torch.load(ckpt, map_location='cpu')['state_dict']
    assert any(k.startswith('segmentor.backbone.') for k in keys)
    assert any(k.startswith('discriminator') for k in keys)
    out = tmp_path / 'out'
    # the source-only config's plain segmentor, with the adaptation run's weights (strictly loaded)
    assert call_tool('tools/predict.py', str(runs['configs']['source_only']), ckpt, '--dataset-split', 'val',
                     '--limit', '3', '--out', str(out), '--device', 'cpu', '--overlay', '0') == 0
    names = sorted(p.name for p in out.glob('*_mask.png'))
    assert names == ['Rural_0_mask.png', 'Urban_0_mask.png', 'Urban_1_mask.png']  # Urban first, then Rural
    assert sorted(p.name for p in out.glob('*_compare.png')) == [n.replace('mask', 'compare') for n in names]
    assert not list(out.glob('*_overlay.png'))
    for name in names:
        assert colours(out / name)[1] <= LOVEDA_PALETTE
    with Image.open(out / 'Urban_0_compare.png') as image:  # ground truth | prediction, enlarged from 32x32
        assert image.size == (2 * 256, 256)


def test_a_checkpoint_of_another_model_is_a_clear_error(runs, tmp_path, capsys):
    bad = tmp_path / 'other.pth'
    torch.save({'state_dict': {'conv.weight': torch.zeros(1)}}, bad)
    assert call_tool('tools/predict.py', str(runs['configs']['source_only']), str(bad),
                     str(runs['data_root'] / 'Val' / 'Urban' / 'images_png'), '--out', str(tmp_path / 'out')) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and 'does not match the segmentor' in err
