"""The heavy-teacher configs fit together: each student reads the images its teacher labels, from the folder its
documented command writes, and starts from the adversarial run's checkpoint."""
import os.path as osp
import re

import pytest
from da_testing import REPO_ROOT
from mmengine.config import Config

import mmseg_da  # noqa: F401
from mmseg_da.apis.pseudo_label import target_dataset_config
from mmseg_da.config.walk import find_target_dataset

DOCS = REPO_ROOT / 'docs' / 'heavy_teacher.md'
# (teacher, student, adversarial config whose checkpoint the student starts from, its run's work dir)
RECIPES = {
    'cityscapes': ('deeplabv3plus_r101_citys_teacher.py', 'pidnet_s_gta_cyclegta2citys_deeplabv3plus_pseudo_label.py',
                   'pidnet_s_gta_cyclegta2citys_adv_multi_lsgan.py', 'pidnet_s_gta_cyclegta2citys_adv_multi_lsgan'),
    # trained from the source-only warm-up: tools/train.py CONFIG --warmup CKPT -> work_dirs/<stem>_from_warmup
    'camvid': ('camvid_day2dusk_deeplabv3plus_r18_teacher.py', 'camvid_day2dusk_deeplabv3plus_pseudo_label.py',
               'camvid_day2dusk_adv_multi.py', 'camvid_day2dusk_adv_multi_from_warmup'),
}


def load(name: str) -> Config:
    return Config.fromfile(str(REPO_ROOT / 'configs' / name))


def pseudo_label_source(student: Config) -> dict:
    sources = student.train_dataloader.dataset.source
    return next(s for s in sources if s['type'] == 'PseudoLabelDataset')


def image_folder(dataset: dict) -> str:
    return osp.normpath(osp.join(dataset['data_root'], (dataset.get('data_prefix') or {}).get('img_path', '')))


@pytest.mark.parametrize('recipe', RECIPES)
def test_the_student_reads_the_images_and_folder_its_teacher_writes(recipe):
    teacher_name, student_name, _, adversarial_run = RECIPES[recipe]
    teacher, student = load(teacher_name), load(student_name)
    labelled = target_dataset_config(teacher)  # what tools/pseudo_label.py labels with the teacher config
    read = pseudo_label_source(student)
    assert read['dataset']['type'] == labelled['type']
    assert image_folder(read['dataset']) == image_folder(labelled)
    assert {k: v for k, v in read['dataset'].items() if k not in ('pipeline', 'data_root')} == \
        {k: v for k, v in labelled.items() if k not in ('pipeline', 'data_root')}
    # the teacher config's documented command writes the folder the student reads
    outs = re.findall(r'--out (\S+)', (REPO_ROOT / 'configs' / teacher_name).read_text())
    assert outs == [read['label_dir']]
    # the student starts from the adversarial run's checkpoint (in its work dir)
    assert student.load_from.startswith(f'work_dirs/{adversarial_run}/')
    assert find_target_dataset(student.train_dataloader.dataset)['type'] == labelled['type']


def test_the_camvid_teacher_differs_from_source_only_in_its_model_alone():
    teacher, source_only = load(RECIPES['camvid'][0]), load('camvid_day2dusk_source_only.py')
    assert {k: v for k, v in teacher.to_dict().items() if k != 'model'} == \
        {k: v for k, v in source_only.to_dict().items() if k != 'model'}
    segmentor = teacher.model.segmentor
    assert segmentor.decode_head.type == 'DepthwiseSeparableASPPHead' and segmentor.backbone.depth == 18
    assert segmentor.decode_head.num_classes == segmentor.auxiliary_head.num_classes == 11
    assert segmentor.backbone.init_cfg is None  # from scratch, as the student's runs


def test_the_camvid_student_starts_from_the_final_adversarial_checkpoint():
    adversarial = load(RECIPES['camvid'][2])
    iters = adversarial.train_cfg.max_iters
    assert adversarial.default_hooks.checkpoint.interval == iters
    assert load(RECIPES['camvid'][1]).load_from == f'work_dirs/{RECIPES["camvid"][3]}/iter_{iters}.pth'


def test_the_recipe_page_names_every_config_and_command():
    text = DOCS.read_text()
    for teacher, student, adversarial, _ in RECIPES.values():
        for name in (teacher, student, adversarial):
            assert f'configs/{name}' in text, name
        assert f'tools/pseudo_label.py configs/{teacher}' in text
        assert f'tools/train.py configs/{student}' in text
        assert pseudo_label_source(load(student))['label_dir'] in text
