"""adapt_bn (AdaBN): BatchNorm statistics of the target training images, weights kept, no label read."""
import cv2
import numpy as np
import pytest
import torch
from da_testing import save_random_checkpoint, small_config
from da_testing.writers import write_camvid, write_text_as_png
from mmengine.config import Config
from mmseg.datasets.transforms import LoadAnnotations
from mmseg.structures import SegDataSample

from mmseg_da.apis import adapt_bn, export_state, init_segmentor, read_checkpoint, reestimate_bn_statistics
from mmseg_da.apis.adapt_bn import label_free_pipeline, target_dataloader

CONFIG = 'configs/camvid_day2dusk_source_only.py'
DAY, DUSK = ['0016E5_%05d' % i for i in range(4)], ['0001TP_%05d' % i for i in range(5)]


def bn_state(state: dict) -> dict:
    return {k: v for k, v in state.items() if 'running_' in k}


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    torch.set_num_threads(1)
    tmp = tmp_path_factory.mktemp('adapt_bn')
    data = write_camvid(tmp / 'camvid', {'train': DAY[:2] + DUSK, 'val': DAY})
    for stem in DUSK:  # dusk: dark frames, whose statistics differ from the day frames'
        path = data / 'train' / f'{stem}.png'
        assert cv2.imwrite(str(path), (cv2.imread(str(path)) * 0.3).astype(np.uint8))
        write_text_as_png(data / 'trainannot' / f'{stem}.png')  # garbage masks: reading one would fail
    config = small_config(CONFIG, tmp / 'cfg', data)
    state = save_random_checkpoint(config, tmp / 'source.pth', seed=3)
    return tmp, data, config, state


def images_of(data, stems, split='train'):
    """Test-pipeline batches of the given frames, read here without the dataset (32x32, as the config)."""
    samples = [SegDataSample(metainfo=dict(img_shape=(32, 32), ori_shape=(32, 32))) for _ in stems]
    images = [torch.from_numpy(cv2.resize(cv2.imread(str(data / split / f'{s}.png')), (32, 32),
                                          interpolation=cv2.INTER_LINEAR)).permute(2, 0, 1).contiguous()
              for s in stems]
    return [dict(inputs=images, data_samples=samples)]


def test_statistics_become_the_target_images_and_weights_stay(setup):
    tmp, data, config, source = setup
    out = adapt_bn(str(config), str(tmp / 'source.pth'), str(tmp / 'out' / 'adabn.pth'), batch_size=5)
    assert out == str(tmp / 'out' / 'adabn.pth')
    ckpt = read_checkpoint(out)
    state = ckpt['state_dict']
    assert set(state) == set(source)  # the source's layout (segmentor.* of the adaptation model)
    for key, value in source.items():
        if 'running_' not in key and 'num_batches_tracked' not in key:
            assert torch.equal(state[key], value), key  # weights unchanged: no gradient step
    changed = [k for k, v in bn_state(state).items() if not torch.allclose(v, source[k])]
    assert len(changed) > 10
    # the same statistics as re-estimating on the 5 dusk training frames, not on the day ones
    dusk = init_segmentor(str(config), str(tmp / 'source.pth'))
    reestimate_bn_statistics(dusk, images_of(data, DUSK), batch_size=5)
    day = init_segmentor(str(config), str(tmp / 'source.pth'))
    reestimate_bn_statistics(day, images_of(data, DAY, 'val'), batch_size=4)
    adapted = {k[len('segmentor.'):]: v for k, v in bn_state(state).items()}
    for key, value in bn_state(dusk.state_dict()).items():
        torch.testing.assert_close(adapted[key], value, rtol=1e-3, atol=1e-4, msg=key)
    stem_mean = 'backbone.stem.0.bn.running_mean'
    assert stem_mean in adapted and not torch.allclose(adapted[stem_mean], day.state_dict()[stem_mean], atol=1e-2)
    meta = ckpt['meta']['adabn']
    assert meta['method'] == 'adabn' and meta['source_checkpoint'] == str(tmp / 'source.pth')
    assert (meta['target_images'], meta['target_dataset_images'], meta['bn_batches']) == (5, 5, 1)
    assert ckpt['meta']['dataset_meta']['classes']  # the source's meta is kept


def test_no_target_mask_is_read(setup, monkeypatch):
    tmp, _, config, _ = setup

    def refuse(self, results):
        raise AssertionError(f'a label was read: {results.get("seg_map_path")}')

    monkeypatch.setattr(LoadAnnotations, '_load_seg_map', refuse)
    cfg = Config.fromfile(str(config))
    assert any(t['type'] == 'CheckedLoadAnnotations' for t in cfg.test_dataloader.dataset.datasets[1].pipeline)
    assert not any('LoadAnnotations' in t['type'] for t in label_free_pipeline(cfg, dict(domain='dusk')))
    out = adapt_bn(str(config), str(tmp / 'source.pth'), str(tmp / 'nolabel.pth'), batch_size=2, max_batches=2)
    meta = read_checkpoint(out)['meta']['adabn']
    assert (meta['bn_batches'], meta['target_images']) == (2, 4)  # 2 batches of 2: the fifth image unused


def test_a_plain_checkpoint_keeps_its_plain_layout(setup):
    tmp, _, config, _ = setup
    plain = export_state(torch.load(tmp / 'source.pth', weights_only=False), 'segmentor.')
    torch.save(plain, tmp / 'plain.pth')
    out = adapt_bn(str(config), str(tmp / 'plain.pth'), str(tmp / 'plain_adabn.pth'), batch_size=5)
    state = read_checkpoint(out)['state_dict']
    assert set(state) == set(plain['state_dict'])
    init_segmentor(str(config), out)  # loads strictly


def test_a_config_without_target_images_or_a_mismatched_checkpoint_is_refused(setup):
    tmp, _, config, _ = setup
    cfg = Config(dict(train_dataloader=dict(dataset=dict(type='CamVidDomainDataset', data_root='x'))))
    with pytest.raises(ValueError, match='has no target'):
        target_dataloader(cfg, batch_size=2)
    with pytest.raises(ValueError, match='differ in shape|decode_head'):
        adapt_bn(str(config), str(tmp / 'source.pth'), str(tmp / 'bad.pth'),
                 cfg_options={'model.segmentor.decode_head.num_classes': 5})
    assert not (tmp / 'bad.pth').exists()


def test_target_images_without_any_mask_folder(tmp_path):
    """LoveDA's Test split ships no masks: adapting on it works, with the config's target moved there."""
    from da_testing.writers import write_loveda
    torch.set_num_threads(1)
    data = write_loveda(tmp_path / 'loveda', {'Train': {'Urban': 2, 'Rural': 2}, 'Val': {'Urban': 2, 'Rural': 2},
                                              'Test': {'Urban': 1, 'Rural': 3}})
    assert not (data / 'Test' / 'Rural' / 'masks_png').exists()
    config = small_config('configs/pidnet_s_urban2rural_adv_single.py', tmp_path / 'cfg', data)
    source = save_random_checkpoint(config, tmp_path / 'source.pth', seed=1)
    out = adapt_bn(str(config), str(tmp_path / 'source.pth'), str(tmp_path / 'adabn.pth'), batch_size=3,
                   cfg_options={'train_dataloader.dataset.target.split': 'Test'})
    ckpt = read_checkpoint(out)
    assert ckpt['meta']['adabn']['target_images'] == 3
    assert set(ckpt['state_dict']) == set(source)  # discriminator weights kept, in their place
    assert any(not torch.allclose(v, source[k]) for k, v in bn_state(ckpt['state_dict']).items())
