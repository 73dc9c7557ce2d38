"""The adversarial training-step benchmark (mmseg_da.deploy.benchmark_uda_step) and its tool's bad input."""
from da_testing import REPO_ROOT, call_tool

from mmseg_da.config.loading import load_config
from mmseg_da.deploy.benchmark_uda_step import benchmark_uda_step, step_time_report

TOOL = 'tools/analysis/benchmark_uda_step.py'


def test_times_each_step_and_reports_the_overheads():
    # 32x32 images give 4x4 logits, too small for the discriminator: it judges them at input size.
    cfg = load_config(str(REPO_ROOT / 'configs/pidnet_s_urban2rural_adv_single.py'),
                      {'model.disc_input_scale': 'input'})
    _, times = benchmark_uda_step(cfg, (32, 32), batch=2, iters=2, warmup=0)
    assert list(times) == ['source-only', 'two-branch', 'adversarial']
    assert all(len(t) == 2 and min(t) > 0 for t in times.values())
    report = step_time_report(times)
    assert '| step ' in report and 'median ms' in report and 'adversarial / two-branch' in report


def test_a_config_without_discriminators_is_one_clear_error(capsys):
    assert call_tool(TOOL, 'configs/pidnet_s_urban.py', '--iters', '1') == 1
    assert 'model.type must be AdversarialSegmentor' in capsys.readouterr().err
