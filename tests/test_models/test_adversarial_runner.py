"""The adversarial configs through the standard tools: train, resume, test, export, and two DDP processes."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from da_testing import REPO_ROOT, call_tool, free_port, run_tool, small_config
from mmengine.config import Config

CONFIG = 'configs/pidnet_s_urban2rural_adv_multi.py'
PLAIN_CONFIG = 'configs/pidnet_s_urban.py'
# 32x32 tiles: the discriminators judge the softmax at input size (PIDNet's logits are 4x4 there).
TINY = {'model.disc_input_scale': 'input'}
ITERATION_BASED = {
    'train_cfg': dict(_delete_=True, type='IterBasedTrainLoop', max_iters=3, val_interval=100),
    'param_scheduler': dict(
        _delete_=True,
        segmentor=[dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, end=3, by_epoch=False)],
        discriminator=[dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, end=3, by_epoch=False)]),
    'default_hooks.checkpoint': dict(by_epoch=False, interval=2, save_best=None),
    'default_hooks.logger': dict(interval=1, log_metric_by_epoch=False),
    'log_processor': dict(by_epoch=False, window_size=1),  # log each iteration's own values
    'randomness': dict(seed=0),
}
COMPARED = ('loss', 'decode.loss_sem_i', 'decode.loss_sem_p', 'adv.loss_main', 'adv.loss_aux',
            'disc.loss_main', 'disc.loss_aux')


def train_scalars(work_dir: Path) -> dict:
    """iteration -> logged training values, from mmengine's vis_data/scalars.json."""
    rows = {}
    for path in work_dir.glob('*/vis_data/scalars.json'):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            if 'loss' in row:
                rows[row['iter']] = row
    return rows


@pytest.fixture(scope='module')
def trained(tmp_path_factory, tiny_loveda):
    """Three iterations of the multi-level adversarial config, checkpoints at iterations 2 and 3."""
    root = tmp_path_factory.mktemp('adv')
    cfg = small_config(CONFIG, root / 'cfg', tiny_loveda, **TINY, **ITERATION_BASED)
    run_tool('tools/train.py', str(cfg), '--work-dir', str(root / 'full'))
    return cfg, root


def test_checkpoint_holds_discriminators_and_both_optimizers(trained):
    _, root = trained
    state = torch.load(root / 'full' / 'iter_3.pth', map_location='cpu')
    prefixes = {k.split('.')[0] for k in state['state_dict']}
    assert prefixes == {'segmentor', 'discriminator'}
    assert {'discriminator.discriminators.main.classifier.weight',
            'discriminator.discriminators.aux.classifier.weight'} <= set(state['state_dict'])
    assert set(state['optimizer']) == {'segmentor', 'discriminator'}
    assert state['optimizer']['discriminator']['state'], 'Adam moments of the discriminators are saved'
    assert set(state['param_schedulers']) == {'segmentor', 'discriminator'}
    rows = train_scalars(root / 'full')
    assert sorted(rows) == [1, 2, 3]
    assert {'adv.loss_main', 'adv.loss_aux', 'disc.loss_main', 'disc.acc_aux', 'decode.loss_bd'} <= set(rows[3])


def test_resume_gives_the_same_next_losses(trained):
    cfg, root = trained
    proc = run_tool('tools/train.py', str(cfg), '--work-dir', str(root / 'resumed'), '--resume',
                    '--cfg-options', f'load_from={root / "full" / "iter_2.pth"}')
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 0, iter: 2' in log, log[-3000:]
    full, resumed = train_scalars(root / 'full'), train_scalars(root / 'resumed')
    assert sorted(resumed) == [3]
    for key in COMPARED:
        assert resumed[3][key] == pytest.approx(full[3][key], rel=1e-5, abs=1e-7), key
    # and the state changed between iterations (the comparison is not trivially equal)
    assert full[3]['disc.loss_main'] != full[2]['disc.loss_main']


def test_tools_test_evaluates_the_adversarial_checkpoint_on_both_domains(trained, tmp_path):
    cfg, root = trained
    run_tool('tools/test.py', str(cfg), str(root / 'full' / 'iter_3.pth'), '--work-dir', str(tmp_path))
    metrics = json.loads(next(tmp_path.glob('*/*.json')).read_text())
    for domain in ('Urban', 'Rural'):
        assert 0 <= metrics[f'{domain}/mIoU'] <= 100


def test_exported_segmentor_loads_into_a_plain_config_and_predicts_the_same(trained, tmp_path, tiny_loveda,
                                                                            monkeypatch):
    from mmseg.apis import inference_model, init_model
    cfg_path, root = trained
    exported = tmp_path / 'segmentor.pth'
    assert call_tool('tools/export_segmentor.py', str(root / 'full' / 'iter_3.pth'), str(exported),
                     '--config', str(cfg_path), '--out-config', str(tmp_path / 'deploy.py')) == 0
    deploy_cfg = Config.fromfile(str(tmp_path / 'deploy.py'))
    assert deploy_cfg.model.type == 'EncoderDecoder' and 'test_dataloader' in deploy_cfg
    assert not {'optim_wrapper', 'train_dataloader', 'model_wrapper_cfg'} & set(deploy_cfg.keys())
    state = torch.load(exported, map_location='cpu')
    assert set(state) == {'meta', 'state_dict'}
    assert not any(k.startswith(('segmentor.', 'discriminator.')) for k in state['state_dict'])
    assert state['meta']['dataset_meta']['classes'][1] == 'building'

    plain_cfg = small_config(PLAIN_CONFIG, tmp_path / 'plain', tiny_loveda)
    plain = init_model(str(plain_cfg), str(exported), device='cpu')
    adapted = init_model(Config.fromfile(str(cfg_path)), str(root / 'full' / 'iter_3.pth'), device='cpu')
    assert type(plain).__name__ == 'EncoderDecoder' and type(adapted).__name__ == 'AdversarialSegmentor'
    inputs = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(plain(inputs, mode='tensor'), adapted.seg_model(inputs, mode='tensor'))
    image = next((tiny_loveda / 'Val' / 'Rural' / 'images_png').glob('*.png'))
    deployable = adapted.seg_model
    deployable.cfg = plain.cfg  # inference_model reads the test pipeline from model.cfg
    ours = inference_model(plain, str(image)).pred_sem_seg.data
    theirs = inference_model(deployable, str(image)).pred_sem_seg.data
    assert torch.equal(ours, theirs)


def test_export_refuses_a_plain_checkpoint(tmp_path):
    from mmseg_da.apis.export_segmentor import export_state
    with pytest.raises(ValueError, match="no weights start with 'segmentor.'.*backbone"):
        export_state({'state_dict': {'backbone.w': torch.zeros(1)}}, 'segmentor.', 'plain.pth')


DDP_CHECK = '''
"""Written by the DDP test: after training, every rank's trainable parameters must be identical."""
import json
import os

import torch
import torch.distributed as dist
from mmengine.hooks import Hook
from mmengine.model import MMDistributedDataParallel, MMSeparateDistributedDataParallel
from mmseg.registry import HOOKS


@HOOKS.register_module()
class DDPCheckHook(Hook):
    def after_train(self, runner):
        wrapper = runner.model
        report = dict(separate=isinstance(wrapper, MMSeparateDistributedDataParallel), rank=dist.get_rank(),
                      iters=runner.iter)
        model = wrapper.module
        report['ddp_children'] = sorted(name for name, child in model.named_children()
                                        if isinstance(child, MMDistributedDataParallel))
        for name in ('segmentor', 'discriminator'):
            flat = torch.cat([p.detach().flatten() for p in getattr(model, name).parameters()])
            gathered = [torch.zeros_like(flat) for _ in range(dist.get_world_size())]
            dist.all_gather(gathered, flat)
            report[name + '_max_diff'] = max(float((g - flat).abs().max()) for g in gathered)
        path = os.path.join(runner.work_dir, f'ddp_check_rank{dist.get_rank()}.json')
        with open(path, 'w') as f:
            json.dump(report, f)
'''


def test_two_processes_with_gloo_keep_the_replicas_identical(tmp_path, tiny_loveda):
    (tmp_path / 'hooks').mkdir()
    (tmp_path / 'hooks' / 'ddp_check_hook.py').write_text(textwrap.dedent(DDP_CHECK))
    cfg = small_config(CONFIG, tmp_path / 'cfg', tiny_loveda, length=2, batch_size=2, **TINY, **{
        'custom_imports': dict(imports=['mmseg_da', 'ddp_check_hook'], allow_failed_imports=False),
        'custom_hooks': [dict(type='UDADataCheckHook'), dict(type='DDPCheckHook')],
        # a fixed seed: with a random one, 2 iterations on 32x32 noise tiles now and then diverge to NaN
        'randomness': dict(seed=0),
    })
    work = tmp_path / 'run'
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1',
               PYTHONPATH=os.pathsep.join([str(tmp_path / 'hooks'), os.environ.get('PYTHONPATH', '')]))
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2', '--master_port',
           str(free_port()), str(REPO_ROOT / 'tools' / 'train.py'), str(cfg), '--launcher', 'pytorch',
           '--work-dir', str(work)]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, env=env, timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert 'Distributed training: True' in log and 'GPU number: 2' in log, log[-3000:]
    for rank in (0, 1):
        report = json.loads((work / f'ddp_check_rank{rank}.json').read_text())
        assert report['separate'], 'model_wrapper_cfg=MMSeparateDistributedDataParallel (or its CPU subclass)'
        assert report['ddp_children'] == ['discriminator', 'segmentor']
        assert report['iters'] == 2  # 2 epochs of 4 source tiles, 2 per rank and iteration
        assert report['segmentor_max_diff'] == 0.0 and report['discriminator_max_diff'] == 0.0
