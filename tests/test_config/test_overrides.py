"""--data-root and --cfg-options reach every dataset; overrides of variables nothing reads warn."""
import pytest
from da_testing import REPO_ROOT

from mmseg_da.config.loading import load_config
from mmseg_da.config.overrides import dataset_roots


def test_data_root_moves_every_dataset_of_a_one_folder_config(tmp_path):
    cfg = load_config(str(REPO_ROOT / 'configs/camvid_day2dusk_adv_multi.py'), data_root=str(tmp_path))
    assert dataset_roots(cfg) == [str(tmp_path)]
    assert cfg.train_dataloader.dataset.target.data_root == str(tmp_path)


def test_data_root_keeps_folder_names_when_datasets_live_in_several_folders(tmp_path):
    cfg = load_config(str(REPO_ROOT / 'configs/pidnet_s_gta2citys_adv_multi_lsgan.py'), data_root=str(tmp_path))
    roots = dataset_roots(cfg)
    assert str(tmp_path / 'gta5') in roots and str(tmp_path / 'cityscapes') in roots
    assert all(root.startswith(str(tmp_path)) for root in roots)


def test_missing_data_root_folder_is_a_clear_error(tmp_path):
    with pytest.raises(NotADirectoryError, match='nowhere'):
        load_config(str(REPO_ROOT / 'configs/pidnet_s_urban.py'), data_root=str(tmp_path / 'nowhere'))


def test_cfg_options_data_root_reaches_the_datasets_that_used_it(tmp_path):
    cfg = load_config(str(REPO_ROOT / 'configs/pidnet_s_gta2citys_adv_multi_lsgan.py'),
                      {'target_data_root': str(tmp_path)})
    assert cfg.val_dataloader.dataset.data_root == str(tmp_path)
    assert str(tmp_path) in dataset_roots(cfg) and 'data/gta5' in dataset_roots(cfg)


def test_override_of_a_variable_nothing_reads_warns_and_real_settings_do_not(tmp_path):
    config = str(REPO_ROOT / 'configs/pidnet_s_urban.py')
    with pytest.warns(UserWarning, match='max_epochs.*changes nothing'):
        cfg = load_config(config, {'max_epochs': 1})
    assert cfg.train_cfg.max_epochs != 1
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        cfg = load_config(config, {'train_cfg.max_epochs': 1})
    assert not [w for w in caught if 'changes nothing' in str(w.message)]
    assert cfg.train_cfg.max_epochs == 1
