"""tools/analysis/domain_bn.py: each domain scored with the checkpoint's and with its own BN statistics."""
import json

import pytest
import torch
from da_testing import call_tool, save_random_checkpoint, small_config
from da_testing.writers import write_camvid

from mmseg_da.apis.domain_bn import split_domains

CONFIG = 'configs/camvid_day2dusk_source_only.py'
TOOL = 'tools/analysis/domain_bn.py'
DAY, DUSK = ['0016E5_%05d' % i for i in range(4)], ['0001TP_%05d' % i for i in range(5)]


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    torch.set_num_threads(1)
    tmp = tmp_path_factory.mktemp('domain_bn_tool')
    data = write_camvid(tmp / 'camvid', {'train': DAY[:2] + DUSK, 'val': DAY})
    config = small_config(CONFIG, tmp / 'cfg', data)
    state = save_random_checkpoint(config, tmp / 'random.pth', seed=3)
    # statistics far from any image's: the checkpoint's running means are all shifted by +5
    shifted = {k: v + 5 for k, v in state.items() if k.endswith('running_mean')}
    save_random_checkpoint(config, tmp / 'shifted.pth', seed=3, extra=shifted)
    five = small_config(CONFIG, tmp / 'five', data, **{'model.segmentor.decode_head.num_classes': 5})
    save_random_checkpoint(five, tmp / 'five.pth', seed=4)
    return tmp, data, config


def test_table_and_json_hold_both_domains_and_own_statistics_change_the_scores(setup, capsys):
    tmp, _, config = setup
    out = tmp / 'report.json'
    code = call_tool(TOOL, str(config), str(tmp / 'shifted.pth'), '--out', str(out), '--batch-size', '2',
                     '--work-dir', str(tmp / 'work'))
    printed = capsys.readouterr().out
    assert code == 0, printed[-3000:]
    table = printed[printed.index('per-domain mIoU with the checkpoint'):]  # after the runner's own logs
    assert '| domain | mIoU checkpoint statistics | mIoU own statistics | difference |' in table
    rows = {line.split('|')[1].strip(): line for line in table.splitlines()
            if line.startswith('| ') and not line.startswith('| domain')}
    assert set(rows) == {'day', 'dusk'}, printed[-3000:]
    report = json.loads(out.read_text())
    assert report['shuffled'] is True and report['batch_size'] == 2
    domains = {d['domain']: d for d in report['domains']}
    assert list(domains) == ['day', 'dusk']
    assert (domains['day']['images'], domains['dusk']['images']) == (len(DAY), len(DUSK))
    assert domains['day']['bn_batches'] == 2  # 4 images in batches of 2
    assert domains['dusk']['bn_batches'] == 2  # 5 images: 2 + 3 (the leftover joins the last batch)
    for name, entry in domains.items():
        checkpoint, own = entry['checkpoint_statistics'], entry['own_statistics']
        assert checkpoint['mIoU'] == checkpoint['metrics'][f'{name}/mIoU']
        assert entry['difference']['mIoU'] == pytest.approx(own['mIoU'] - checkpoint['mIoU'], abs=0.011)
        assert f'{checkpoint["mIoU"]:.2f}' in rows[name] and f'{own["mIoU"]:.2f}' in rows[name]
        # the shifted statistics score differently from the domain's own
        assert checkpoint['metrics'] != own['metrics'], name


def test_checkpoint_statistics_column_is_what_test_py_scores(setup):
    tmp, _, config = setup
    work = tmp / 'test_py'
    assert call_tool('tools/test.py', str(config), str(tmp / 'random.pth'), '--work-dir', str(work)) == 0
    plain = json.loads(next(work.glob('*/*.json')).read_text())
    out = tmp / 'random.json'
    assert call_tool(TOOL, str(config), str(tmp / 'random.pth'), '--out', str(out), '--work-dir', str(tmp / 'w2'),
                     '--max-batches', '1', '--in-order') == 0
    report = json.loads(out.read_text())
    assert report['shuffled'] is False
    domains = {d['domain']: d for d in report['domains']}
    for name in ('day', 'dusk'):
        assert domains[name]['checkpoint_statistics']['mIoU'] == plain[f'{name}/mIoU']
        assert domains[name]['bn_batches'] == 1


def test_mismatched_checkpoint_exits_with_a_clear_error(setup, capsys):
    tmp, _, config = setup
    code = call_tool(TOOL, str(config), str(tmp / 'five.pth'), '--work-dir', str(tmp / 'w5'))
    err = capsys.readouterr().err
    assert code == 1 and 'Traceback' not in err, err[-3000:]
    for needle in ('domain_bn.py: error', 'five.pth', 'differ in shape', 'decode_head.'):
        assert needle in err, err[-3000:]


def test_bad_batch_size_is_a_clear_error(setup, capsys):
    tmp, _, config = setup
    code = call_tool(TOOL, str(config), str(tmp / 'random.pth'), '--batch-size', '0')
    err = capsys.readouterr().err
    assert code == 1 and '--batch-size must be at least 1' in err, err[-2000:]


def test_domains_are_grouped_from_the_test_set():
    day_a, day_b = dict(type='X', domain='day', split='val'), dict(type='X', domain='day', split='train')
    dusk, plain = dict(type='X', domain='dusk'), dict(type='Y', data_root='d')
    grouped = split_domains(dict(type='ConcatDataset', datasets=[day_a, dusk, day_b]))
    assert [name for name, _ in grouped] == ['day', 'dusk']
    assert grouped[0][1] == dict(type='ConcatDataset', datasets=[day_a, day_b]) and grouped[1][1] == dusk
    assert split_domains(plain) == [('Y', plain)]
    with pytest.raises(ValueError, match='ConcatDataset without datasets'):
        split_domains(dict(type='ConcatDataset', datasets=[]))


def test_a_dataset_of_several_domains_is_split_into_one_entry_per_domain():
    loveda = dict(type='LoveDADomainDataset', data_root='d', split='Val', domain=['Urban', 'Rural'])
    assert split_domains(loveda) == [('Urban', dict(loveda, domain='Urban')), ('Rural', dict(loveda, domain='Rural'))]
    camvid = dict(type='CamVidDomainDataset', split='train', domain=('day', 'dusk'))
    val_day = dict(type='CamVidDomainDataset', split='val', domain='day')
    grouped = split_domains(dict(type='ConcatDataset', datasets=[val_day, camvid]))
    assert [name for name, _ in grouped] == ['day', 'dusk']
    assert grouped[0][1] == dict(type='ConcatDataset', datasets=[val_day, dict(camvid, domain='day')])
    assert grouped[1][1] == dict(camvid, domain='dusk')
    renamed = dict(camvid, domain_name='dusk_heldout')  # every frame is reported under this one name
    assert split_domains(renamed) == [('dusk_heldout', renamed)]
    with pytest.raises(ValueError, match='empty domain list'):
        split_domains(dict(loveda, domain=[]))


def test_loveda_style_config_gets_one_row_per_domain(tiny_loveda, tmp_path, capsys):
    """LoveDA's test set is one dataset with domain=['Urban', 'Rural']: each is re-estimated on its own."""
    config = small_config('configs/pidnet_s_urban2rural_adv_single.py', tmp_path / 'cfg', tiny_loveda,
                          **{'model.disc_input_scale': 'input'})
    save_random_checkpoint(config, tmp_path / 'random.pth', seed=5)
    out = tmp_path / 'loveda.json'
    code = call_tool(TOOL, str(config), str(tmp_path / 'random.pth'), '--out', str(out), '--batch-size', '2',
                     '--work-dir', str(tmp_path / 'work'))
    printed = capsys.readouterr()
    assert code == 0, printed.err[-3000:]
    domains = {d['domain']: d for d in json.loads(out.read_text())['domains']}
    assert list(domains) == ['Urban', 'Rural']
    assert domains['Urban']['images'] == domains['Rural']['images'] == 2  # not 4 pooled
    for name, entry in domains.items():
        assert entry['own_statistics']['mIoU'] == entry['own_statistics']['metrics'][f'{name}/mIoU']
        assert not any(k.startswith(('Urban/', 'Rural/')) and not k.startswith(f'{name}/')
                       for k in entry['own_statistics']['metrics'])


def test_camvid_style_domain_tuple_gets_one_row_per_domain(setup, capsys):
    tmp, _, config = setup
    out = tmp / 'tuple.json'
    code = call_tool(TOOL, str(config), str(tmp / 'random.pth'), '--out', str(out), '--work-dir', str(tmp / 'wt'),
                     '--cfg-options', 'test_dataloader.dataset.datasets.1.domain=[day,dusk]',
                     'test_dataloader.dataset.datasets.0.split=train')
    assert code == 0, capsys.readouterr().err[-3000:]
    domains = {d['domain']: d['images'] for d in json.loads(out.read_text())['domains']}
    # the train split's day frames (2, twice: both datasets name them) and its dusk frames
    assert domains == {'day': 4, 'dusk': len(DUSK)}


def test_a_report_without_the_domains_metrics_is_an_error_not_an_empty_table(tmp_path):
    from mmseg_da.comparison.domain_bn_comparison import _report_metrics
    pooled = {'domains': [{'domain': "['Urban', 'Rural']", 'own_statistics': {
        'metrics': {'Urban/mIoU': 3.8, 'Rural/mIoU': 7.1}}}]}
    report = tmp_path / 'domain_bn.json'
    report.write_text(json.dumps(pooled))
    with pytest.raises(ValueError, match=r"domain \"\['Urban', 'Rural'\]\" has no own-statistics metric"):
        _report_metrics(report)
    report.write_text(json.dumps({'domains': []}))
    with pytest.raises(ValueError, match='holds no domain'):
        _report_metrics(report)
