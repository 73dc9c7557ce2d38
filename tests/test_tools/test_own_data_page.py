"""docs/own_data.md works as written: its data block is the template's, and its commands run on tiny folders.

The slow test builds a work folder like a user's checkout (``configs`` and ``tools`` linked from the repository,
``data/`` written from the page's data block), then runs the page's bash blocks of steps 3 to 6 as one shell
script, verbatim. ``python`` there is this interpreter; only ``tools/train.py`` gets options appended, for a run of
one tiny epoch from scratch.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from da_testing import REPO_ROOT
from da_testing.domain_folders import write_domain_folders

PAGE = REPO_ROOT / 'docs' / 'own_data.md'
TEMPLATE = REPO_ROOT / 'configs' / '_base_' / 'datasets' / 'own_two_domains.py'
START, END = '# ---- your data ----', '# ---- end of your data ----'
#: The page's own-data walk-through ends where the Potsdam -> Vaihingen section starts.
STEPS_END = '## Potsdam -> Vaihingen'

# One epoch of 2 iterations (4 source images, batch 2), at 64x64 instead of the template's crop_size, from
# scratch, in this process' threads. Indices: the Resize of the source and target pipelines (checked below).
TINY_TRAIN = ['train_cfg.max_epochs=1', 'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
              'train_dataloader.persistent_workers=False', 'val_dataloader.num_workers=0',
              'val_dataloader.persistent_workers=False', 'model.segmentor.backbone.init_cfg=None',
              'default_hooks.logger.interval=1', 'train_dataloader.dataset.source.pipeline.3.scale=(64,64)',
              'train_dataloader.dataset.target.pipeline.1.scale=(64,64)']


def fenced(text: str, lang: str) -> list:
    return re.findall(rf'^```{lang}\n(.*?)^```', text, re.S | re.M)


def data_block(text: str) -> str:
    start = text.index(START)
    return text[start:text.index(END, start) + len(END)]


def page_steps() -> str:
    """The bash blocks of the walk-through, in order, as one script."""
    steps = PAGE.read_text().split(STEPS_END)[0]
    return '\n'.join(fenced(steps, 'bash'))


def test_the_page_shows_the_template_data_block_as_it_is():
    blocks = [b for b in fenced(PAGE.read_text(), 'python') if START in b]
    assert len(blocks) == 1, 'docs/own_data.md should show the data block of the template once'
    assert data_block(blocks[0]) == data_block(TEMPLATE.read_text())


def test_the_page_names_existing_tools_and_configs():
    text = PAGE.read_text()
    named = set(re.findall(r'\b((?:tools|configs)/[\w/.-]+\.py)\b', text))
    mmseg_converters = {p for p in named if 'dataset_converters' in p}  # in mmseg's repository
    assert {'tools/check_data.py', 'configs/pidnet_s_own_dacs.py', 'configs/pidnet_s_own_source_only.py',
            'configs/pidnet_s_potsdam2vaihingen_adv_multi.py'} <= named
    missing = sorted(p for p in named - mmseg_converters if not (REPO_ROOT / p).is_file())
    assert not missing, missing


def test_the_tiny_training_options_reach_the_resize_steps():
    from mmengine.config import Config
    cfg = Config.fromfile(str(REPO_ROOT / 'configs' / 'pidnet_s_own_dacs.py'))
    cfg.merge_from_dict(dict(option.split('=', 1) for option in TINY_TRAIN[-2:]))
    dataset = cfg.train_dataloader.dataset
    assert dataset.source.pipeline[3].type == dataset.target.pipeline[1].type == 'Resize'


def write_page_data(work: Path) -> dict:
    """Write the folders the page's data block describes, with 4 train and 2 val images per domain."""
    settings: dict = {}
    exec(data_block(TEMPLATE.read_text()), settings)  # the page's block (equal, see above)
    source, target = settings['source'], settings['target']
    assert 'domain' in source and 'domain' in target, 'the generator writes a sub-folder per domain'
    assert settings['img_suffix'] == settings['seg_map_suffix'] == '.png' and not settings['reduce_zero_label']
    names = source['domain'], target['domain']
    counts = {'train': dict.fromkeys(names, 4), 'val': dict.fromkeys(names, 2)}
    write_domain_folders(work / settings['data_root'], counts, labelled={'train': names[:1], 'val': names},
                         n_classes=len(settings['classes']), size=48, img_dir=settings['img_dir'],
                         ann_dir=settings['ann_dir'])
    return settings


@pytest.mark.slow
def test_the_page_works_as_written_on_tiny_data(tmp_path):
    work = tmp_path / 'checkout'
    work.mkdir()
    for name in ('configs', 'tools'):
        (work / name).symlink_to(REPO_ROOT / name, target_is_directory=True)
    settings = write_page_data(work)
    tiny = ' '.join(f"'{option}'" for option in TINY_TRAIN)
    script = (f'set -euo pipefail\n'
              f'python() {{ if [ "$1" = tools/train.py ]; then "{sys.executable}" "$@" --cfg-options {tiny}; '
              f'else "{sys.executable}" "$@"; fi; }}\n' + page_steps())
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    proc = subprocess.run(['bash', '-c', script], cwd=work, capture_output=True, text=True, env=env, timeout=1500)
    assert proc.returncode == 0, f'{proc.stdout[-5000:]}\n{proc.stderr[-5000:]}'

    assert 'all datasets build and every file checks out; 3 classes' in proc.stdout
    runs = work / 'work_dirs'
    for run in ('pidnet_s_own_source_only', 'pidnet_s_own_dacs'):
        assert list((runs / run).glob(f'best_{settings["target"]["domain"]}_mIoU_epoch_1.pth')), run
    metrics = json.loads(next((runs / 'pidnet_s_own_dacs' / 'test').glob('*/*.json')).read_text())
    for domain in (settings['source']['domain'], settings['target']['domain']):
        assert 0 <= metrics[f'{domain}/mIoU'] <= 100
    dacs = runs / 'pidnet_s_own_dacs'
    assert (dacs / 'segmentor.pth').is_file() and 'FolderDomainDataset' in (dacs / 'deploy.py').read_text()
    assert (dacs / 'pidnet_s.onnx').stat().st_size > 100_000
    predicted = sorted(p.name for p in (dacs / 'predictions').iterdir())
    assert '0_mask.png' in predicted and '0_overlay.png' in predicted
