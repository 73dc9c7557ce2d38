"""tools/analysis/select_checkpoint.py and validate_selection.py on tiny checkpoints of two runs."""
import json

import pytest
from da_testing import call_tool
from da_testing.selection_models import build_segmentor, one_class, save_checkpoint, sharpened, uniform


@pytest.fixture(scope='module')
def runs(tmp_path_factory, tiny_config):
    """Two run folders: run_a/iter_{1,2,10}.pth, run_b/iter_{1,2}.pth (one of them predicts one class)."""
    root = tmp_path_factory.mktemp('selection_runs')
    made = {
        'run_a/iter_1.pth': uniform(build_segmentor(tiny_config, 0)),
        'run_a/iter_2.pth': build_segmentor(tiny_config, 1),
        'run_a/iter_10.pth': sharpened(build_segmentor(tiny_config, 2)),
        'run_b/iter_1.pth': one_class(build_segmentor(tiny_config, 3), 2),
        'run_b/iter_2.pth': build_segmentor(tiny_config, 4),
    }
    for name, model in made.items():
        save_checkpoint(model, root / name)
    return root


def test_ranks_folders_and_globs_and_writes_the_pick(runs, tiny_config, tmp_path, capsys):
    out = tmp_path / 'pick.json'
    code = call_tool('tools/analysis/select_checkpoint.py', str(tiny_config), str(runs / 'run_a'),
                     str(runs / 'run_b' / 'iter_*.pth'), str(runs / 'run_a' / 'iter_2.pth'),
                     '--criterion', 'entropy', 'info_max', '--source-val', '--device', 'cpu', '--json', str(out))
    printed = capsys.readouterr().out
    assert code == 0, printed
    result = json.loads(out.read_text())
    scores = result['criteria']['entropy']['scores']
    assert len(scores) == 5  # run_a/iter_2.pth given twice, scored once
    assert list(scores)[:3] == [str(runs / 'run_a' / f'iter_{i}.pth') for i in (1, 2, 10)]  # natural order
    assert result['criteria']['entropy']['pick'] == str(runs / 'run_b' / 'iter_1.pth')  # one class: no doubt
    assert result['criteria']['info_max']['pick'] != str(runs / 'run_b' / 'iter_1.pth')
    assert set(result['criteria']) == {'entropy', 'info_max', 'source_miou'}
    assert result['target_domains'] == ['Rural'] and result['source_domains'] == ['Urban']
    assert 'pick (entropy): run_b/iter_1.pth' in printed
    assert 'source_miou' in printed


def test_agreement_with_a_reference_checkpoint_is_one_for_that_checkpoint(runs, tiny_config, tmp_path):
    out = tmp_path / 'agree.json'
    reference = runs / 'run_a' / 'iter_2.pth'
    assert call_tool('tools/analysis/select_checkpoint.py', str(tiny_config), str(runs / 'run_a'),
                     '--criterion', 'agreement', '--reference', str(reference), '--device', 'cpu',
                     '--json', str(out)) == 0
    scores = json.loads(out.read_text())['criteria']['agreement']['scores']
    assert scores[str(reference)] == 1.0
    assert max(v for k, v in scores.items() if k != str(reference)) < 1.0


@pytest.mark.parametrize('args, message', [
    (['--criterion', 'nonsense'], 'unknown criterion'),
    (['--criterion', 'entropy', '--target-domain', 'Mars'], 'no validation sample of the target domain'),
    (['--criterion', 'mixval', '--batch-size', '1'], '--batch-size must be >= 2, got 1'),
])
def test_bad_input_is_one_clear_line(runs, tiny_config, capsys, args, message):
    code = call_tool('tools/analysis/select_checkpoint.py', str(tiny_config), str(runs / 'run_b'), *args,
                     '--device', 'cpu')
    err = capsys.readouterr().err
    assert code == 1 and message in err and 'Traceback' not in err


def test_missing_checkpoint_is_reported(tiny_config, tmp_path, capsys):
    code = call_tool('tools/analysis/select_checkpoint.py', str(tiny_config), str(tmp_path / 'none_*.pth'))
    assert code == 1 and 'no checkpoint at' in capsys.readouterr().err


def test_validation_prints_rho_and_regret_per_criterion_and_run(runs, tiny_config, tmp_path, capsys):
    out = tmp_path / 'validation.json'
    code = call_tool('tools/analysis/validate_selection.py', str(tiny_config), str(runs / 'run_a'),
                     str(runs / 'run_b'), '--device', 'cpu', '--json', str(out))
    printed = capsys.readouterr().out
    assert code == 0, printed
    result = json.loads(out.read_text())
    assert set(result['results']) == {'entropy', 'info_max', 'agreement', 'snd', 'source_miou', 'source_loss',
                                      'dev', 'atc', 'mixval'}
    truth = result['truth']
    for name, judged in result['results'].items():
        every = judged['all']
        assert every['regret'] == pytest.approx(max(truth.values()) - truth[every['pick']]), name
        assert set(judged) == {'all', 'run_a', 'run_b'}
    assert 'rho run_a' in printed and 'regret (all)' in printed


def test_a_folder_of_target_images_scores_as_the_validation_targets(runs, tiny_config, tiny_data, tmp_path):
    scores = {}
    for name, extra in (('val', []), ('folder', ['--target-images', str(tiny_data / 'Val' / 'Rural' / 'images_png')])):
        out = tmp_path / f'{name}.json'
        assert call_tool('tools/analysis/select_checkpoint.py', str(tiny_config), str(runs / 'run_a'),
                         '--criterion', 'entropy', 'snd', '--device', 'cpu', '--json', str(out), *extra) == 0
        scores[name] = json.loads(out.read_text())
    assert scores['folder']['target_domains'] == ['target']
    for criterion in ('entropy', 'snd'):
        assert scores['folder']['criteria'][criterion]['scores'] == pytest.approx(
            scores['val']['criteria'][criterion]['scores'])
