"""Checkpoints by http(s) URL: downloaded once into torch's hub cache, hash-checked, read with safe loading."""
import hashlib

import pytest
import torch
from da_testing.http_server import serve_folder

import mmseg_da  # noqa: F401
from mmseg_da.apis import read_checkpoint
from mmseg_da.apis.checkpoint_download import cached_checkpoint


class NotAWeight:
    """Any class outside torch's allow-list: unpickling it runs code of the file's choosing."""


@pytest.fixture
def hub(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    return tmp_path / 'torch_home' / 'hub' / 'checkpoints'


def save_hashed(folder, stem, obj) -> str:
    """``torch.save`` ``obj`` as ``<stem>-<first 8 hex of its SHA-256>.pth`` (OpenMMLab's naming); the name."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / 'tmp.pth'
    torch.save(obj, tmp)
    name = f'{stem}-{hashlib.sha256(tmp.read_bytes()).hexdigest()[:8]}.pth'
    tmp.rename(folder / name)
    return name


def test_a_url_checkpoint_is_downloaded_once_and_read(tmp_path, hub):
    weights = {'conv.weight': torch.arange(6.).reshape(2, 3)}
    name = save_hashed(tmp_path / 'zoo', 'tiny_20200606_114143', {'state_dict': weights, 'meta': {'CLASSES': ('a',)}})
    with serve_folder(tmp_path / 'zoo') as server:
        url = f'{server.url}/{name}'
        for _ in range(2):
            ckpt = read_checkpoint(url)
            assert torch.equal(ckpt['state_dict']['conv.weight'], weights['conv.weight'])
        assert server.requests == [f'/{name}']  # the second read is the cached copy
    assert (hub / name).read_bytes() == (tmp_path / 'zoo' / name).read_bytes()


def test_a_url_checkpoint_is_read_with_safe_loading(tmp_path, hub):
    name = save_hashed(tmp_path / 'zoo', 'evil', {'state_dict': {}, 'meta': NotAWeight()})
    with serve_folder(tmp_path / 'zoo') as server:
        with pytest.raises(ValueError, match='could not be read safely'):
            read_checkpoint(f'{server.url}/{name}')


def test_a_corrupted_download_is_refused_and_not_cached(tmp_path, hub):
    (tmp_path / 'zoo').mkdir()
    torch.save({'state_dict': {}}, tmp_path / 'zoo' / 'model_20200606-0123abcd.pth')  # hash of other bytes
    with serve_folder(tmp_path / 'zoo') as server:
        url = f'{server.url}/model_20200606-0123abcd.pth'
        with pytest.raises(ValueError, match=r'could not download the checkpoint .*model_20200606-0123abcd.pth.*'
                                             r'invalid hash value \(expected "0123abcd"'):
            cached_checkpoint(url)
    assert not list(hub.glob('*'))


def test_an_unreachable_url_is_a_clear_error(tmp_path, hub):
    with serve_folder(tmp_path) as server:
        url = f'{server.url}/missing-model.pth'
        with pytest.raises(ValueError, match='could not download the checkpoint .*missing-model.pth.*404'):
            read_checkpoint(url)
