"""Config walking and dataset finding (mmseg_da.config.walk), and unwrapping built datasets."""
from mmengine.config import Config
from mmengine.dataset import BaseDataset, ConcatDataset, RepeatDataset

from mmseg_da.config.walk import dataset_configs, find_target_dataset, iter_dicts
from mmseg_da.datasets.dataset_wrappers import leaf_datasets

SOURCE_A = dict(type='LoveDADomainDataset', domain='Urban')
SOURCE_B = dict(type='GTA5Dataset')
TARGET = dict(type='CityscapesDataset')


def test_iter_dicts_visits_parents_first_and_skips_keys():
    cfg = Config(dict(model=dict(type='A', init_cfg=dict(type='Pretrained'), head=[dict(type='B')])))
    assert [d.get('type') for d in iter_dicts(cfg)] == [None, 'A', 'Pretrained', 'B']
    assert [d.get('type') for d in iter_dicts(cfg.model, skip_keys=('init_cfg',))] == ['A', 'B']


def test_iter_dicts_walks_what_the_visit_changed():
    node = dict(init_cfg=dict(type='Pretrained'), child=dict(type='C'))
    seen = []
    for d in iter_dicts(node):
        seen.append(d.get('type'))
        if 'init_cfg' in d:
            d['init_cfg'] = None
    assert seen == [None, 'C'] and node['init_cfg'] is None


def test_dataset_configs_look_through_wrappers_and_uda_sources_then_target():
    train = dict(type='RepeatDataset', times=2, dataset=dict(
        type='UDADataset', source=[SOURCE_A, dict(type='mmengine.ConcatDataset', datasets=[SOURCE_B])],
        target=TARGET))
    assert list(dataset_configs(train)) == [SOURCE_A, SOURCE_B, TARGET]
    types = [d['type'] for d in dataset_configs(train, wrappers=True)]
    assert types == ['RepeatDataset', 'UDADataset', 'LoveDADomainDataset', 'mmengine.ConcatDataset', 'GTA5Dataset',
                     'CityscapesDataset']
    assert list(dataset_configs(None)) == [] and list(dataset_configs([SOURCE_A, TARGET])) == [SOURCE_A, TARGET]


def test_a_pseudo_label_dataset_is_a_leaf_and_its_images_are_the_target():
    pseudo = dict(type='PseudoLabelDataset', dataset=TARGET, label_dir='labels')
    assert list(dataset_configs(dict(type='ConcatDataset', datasets=[SOURCE_A, pseudo]))) == [SOURCE_A, pseudo]
    assert find_target_dataset(dict(type='ConcatDataset', datasets=[SOURCE_A, pseudo])) == TARGET
    assert find_target_dataset(dict(type='RepeatDataset', dataset=dict(type='UDADataset', source=SOURCE_A,
                                                                       target=pseudo))) == pseudo
    assert find_target_dataset(SOURCE_A) is None and find_target_dataset(None) is None


class _Items(BaseDataset):

    def __init__(self, n: int) -> None:
        self.n = n
        super().__init__(serialize_data=False)

    def load_data_list(self):
        return [dict(index=i) for i in range(self.n)]


def test_leaf_datasets_unwrap_built_mmengine_wrappers_in_order():
    first, second = _Items(1), _Items(2)
    assert list(leaf_datasets(ConcatDataset([first, second]))) == [first, second]
    assert list(leaf_datasets(RepeatDataset(first, times=2))) == [first]
    assert list(leaf_datasets(second)) == [second]
