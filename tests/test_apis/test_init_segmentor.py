"""init_segmentor and the strict checkpoint loader: plain and adaptation checkpoints, clear refusals."""
import pickle

import pytest
import torch
from da_testing import save_random_checkpoint, small_config

import mmseg_da  # noqa: F401
from mmseg_da.apis import CheckpointMismatchError, init_segmentor, read_checkpoint

PLAIN = 'configs/pidnet_s_urban.py'
ADAPTATION = 'configs/pidnet_s_urban2rural_adv_single.py'


@pytest.fixture(scope='module')
def configs(tmp_path_factory, tiny_loveda):
    tmp = tmp_path_factory.mktemp('init_segmentor')
    plain = small_config(PLAIN, tmp / 'plain', tiny_loveda)
    adaptation = small_config(ADAPTATION, tmp / 'adaptation', tiny_loveda)
    five = small_config(PLAIN, tmp / 'five', tiny_loveda, **{'model.decode_head.num_classes': 5})
    return dict(plain=plain, adaptation=adaptation, five=five, tmp=tmp)


def test_plain_checkpoint_loads_exactly_with_its_meta(configs):
    path = configs['tmp'] / 'plain.pth'
    state = save_random_checkpoint(configs['plain'], path, seed=1)
    model = init_segmentor(str(configs['plain']), str(path))
    assert not model.training
    loaded = model.state_dict()
    assert all(torch.equal(loaded[k], state[k]) for k in loaded)
    assert model.dataset_meta['classes'] == ('a',) * 7


@pytest.mark.parametrize('config', ['plain', 'adaptation'])
def test_adaptation_checkpoint_gives_its_segmentor_to_either_config(configs, config):
    path = configs['tmp'] / 'adaptation.pth'
    state = save_random_checkpoint(configs['adaptation'], path, seed=2,
                              extra={'teacher.backbone.stem.0.conv.weight': torch.zeros(1)})
    assert any(k.startswith('discriminator') for k in state)
    model = init_segmentor(str(configs[config]), str(path))
    loaded = model.state_dict()
    assert len(loaded) > 100
    assert all(torch.equal(loaded[k], state['segmentor.' + k]) for k in loaded)


def test_ddp_prefix_is_accepted(configs):
    path = configs['tmp'] / 'ddp.pth'
    state = save_random_checkpoint(configs['plain'], path, seed=3)
    torch.save({'state_dict': {'module.' + k: v for k, v in state.items()}}, path)
    loaded = init_segmentor(str(configs['plain']), str(path)).state_dict()
    assert all(torch.equal(loaded[k], state[k]) for k in loaded)


def test_class_count_mismatch_names_checkpoint_config_and_keys(configs):
    path = configs['tmp'] / 'five.pth'
    save_random_checkpoint(configs['five'], path, seed=4)
    with pytest.raises(CheckpointMismatchError) as info:
        init_segmentor(str(configs['plain']), str(path))
    message = str(info.value)
    assert 'five.pth' in message and 'pidnet_s_urban.py' in message
    assert 'differ in shape' in message and 'decode_head.' in message and '(5,' in message
    assert '\n' not in message


def test_missing_and_unexpected_keys_are_refused(configs):
    path = configs['tmp'] / 'partial.pth'
    state = save_random_checkpoint(configs['plain'], path, seed=5)
    dropped = next(k for k in state if k.startswith('decode_head.'))
    del state[dropped]
    state['decode_head.extra.weight'] = torch.zeros(1)
    torch.save({'state_dict': state}, path)
    with pytest.raises(CheckpointMismatchError) as info:
        init_segmentor(str(configs['plain']), str(path))
    message = str(info.value)
    assert dropped in message and 'decode_head.extra.weight' in message
    assert 'missing' in message and 'not in the config' in message


def test_truncated_and_foreign_files_are_clear_errors(configs):
    path = configs['tmp'] / 'whole.pth'
    save_random_checkpoint(configs['plain'], path, seed=6)
    truncated = configs['tmp'] / 'truncated.pth'
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    with pytest.raises(ValueError, match=r"truncated\.pth.*truncated"):
        read_checkpoint(str(truncated))
    text = configs['tmp'] / 'notes.pth'
    text.write_text('not a checkpoint')
    with pytest.raises(ValueError, match=r'notes\.pth'):
        init_segmentor(str(configs['plain']), str(text))
    with pytest.raises(FileNotFoundError, match='nowhere.pth'):
        read_checkpoint(str(configs['tmp'] / 'nowhere.pth'))


class Payload:
    def __reduce__(self):
        return (print, ('pwned',))


def test_a_crafted_pickle_is_refused_by_safe_loading(configs):
    path = configs['tmp'] / 'crafted.pth'
    torch.save({'state_dict': {}, 'x': Payload()}, path, pickle_module=pickle)
    with pytest.raises(ValueError, match=r'crafted\.pth.*could not be read safely'):
        read_checkpoint(str(path))
