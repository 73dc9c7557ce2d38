"""Each criterion on hand-made outputs with known answers; ranking, Spearman and regret."""
import math

import numpy as np
import pytest
import torch

from mmseg_da.selection import CRITERIA, Context, majority_vote, rank
from mmseg_da.selection.dev import density_ratios, dev_risk
from mmseg_da.selection.outputs import CheckpointOutputs, SourceOutputs, TargetOutputs, mean_iou, mix_probe_counts
from mmseg_da.selection.report import common_root, short_name
from mmseg_da.selection.validate_selection import judge, run_groups, spearman


def outputs(probs: np.ndarray, source: SourceOutputs = None, features: np.ndarray = None) -> CheckpointOutputs:
    """Outputs of a model whose target probabilities are ``probs`` (N, C, H, W)."""
    n, c, h, w = probs.shape
    ent = -(probs * np.log(np.clip(probs, 1e-12, None))).sum(1)
    flat = probs.reshape(n, c, -1)
    sampled = np.concatenate([flat[i].T for i in range(n)])
    feats = features if features is not None else np.zeros((n, 2))
    target = TargetOutputs(labels=probs.argmax(1).astype(np.uint8), entropy_sum=float(ent.sum()),
                           prob_sum=probs.sum((0, 2, 3)), pixels=n * h * w, sampled=sampled, features=feats)
    return CheckpointOutputs('m', target, source)


def one_hot(labels: np.ndarray, c: int, confidence: float = 1.0) -> np.ndarray:
    probs = np.full((*labels.shape, c), (1 - confidence) / (c - 1) if c > 1 else 1.0)
    np.put_along_axis(probs, labels[..., None], confidence, axis=-1)
    return np.moveaxis(probs, -1, 1)


@pytest.fixture
def models():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, (2, 8, 8))
    return dict(one_class=outputs(one_hot(np.zeros_like(labels), 4)),
                uniform=outputs(np.full((2, 4, 8, 8), 0.25)),
                diverse=outputs(one_hot(labels, 4, 0.9)))


def score(name, out, ctx=None):
    return CRITERIA[name].score(out, ctx or Context())


def test_one_class_model_has_the_lowest_entropy_and_the_worst_information_maximisation(models):
    ent = {k: score('entropy', m) for k, m in models.items()}
    im = {k: score('info_max', m) for k, m in models.items()}
    assert ent['one_class'] == pytest.approx(0, abs=1e-9)
    assert ent['uniform'] == pytest.approx(math.log(4))
    assert min(ent, key=ent.get) == 'one_class'
    assert im['one_class'] == pytest.approx(0, abs=1e-9)  # neither diverse ...
    assert im['uniform'] == pytest.approx(0, abs=1e-9)  # ... nor confident
    assert im['diverse'] > 0.5
    assert rank(im, True)[0] == 'diverse'


def test_agreement_is_one_with_itself_and_the_fraction_of_equal_pixels_otherwise(models):
    ref = models['diverse'].target.labels
    assert score('agreement', models['diverse'], Context(ref)) == 1.0
    expected = np.mean(ref == 0)
    assert score('agreement', models['one_class'], Context(ref)) == pytest.approx(expected)
    with pytest.raises(ValueError, match='reference'):
        score('agreement', models['diverse'])


def test_agreement_compares_runs_of_two_sizes_at_the_reference_size():
    small = np.kron(np.arange(4).reshape(1, 2, 2), np.ones((1, 4, 4), int)).astype(np.uint8)  # (1, 8, 8)
    big = np.kron(small, np.ones((1, 2, 2), np.uint8))  # (1, 16, 16), the same picture
    out = outputs(one_hot(big.astype(int), 4))
    assert score('agreement', out, Context(small)) == 1.0


def test_majority_vote_takes_the_most_frequent_label_per_pixel():
    a = np.array([[[0, 1], [2, 3]]], np.uint8)
    b = np.array([[[0, 1], [1, 3]]], np.uint8)
    c = np.array([[[2, 2], [1, 0]]], np.uint8)
    assert majority_vote([a, b, c], 4).tolist() == [[[0, 1], [1, 3]]]


def test_snd_prefers_dense_clusters_to_scattered_predictions():
    rng = np.random.default_rng(0)
    clustered = one_hot(rng.integers(0, 2, (1, 16, 16)), 8, 0.95)  # two tight clusters
    scattered = rng.dirichlet(np.ones(8) * 0.3, (1, 16, 16)).transpose(0, 3, 1, 2)
    assert score('snd', outputs(clustered)) > score('snd', outputs(scattered))


def source(areas, losses, features):
    return SourceOutputs(areas=np.asarray(areas, float), losses=np.asarray(losses, float),
                         features=np.asarray(features, float))


def test_source_miou_and_loss_read_the_source_outputs(models):
    areas = [[5, 0, 3], [10, 0, 6], [6, 0, 4], [9, 0, 5]]  # class 1 absent from prediction and label
    out = outputs(np.full((1, 3, 2, 2), 1 / 3), source(areas, [1.0, 3.0], np.zeros((2, 2))))
    assert score('source_miou', out) == pytest.approx(mean_iou(np.asarray(areas, float)))
    assert score('source_miou', out) == pytest.approx((0.5 + 0.5) / 2 * 100)
    assert score('source_loss', out) == pytest.approx(2.0)
    with pytest.raises(ValueError, match='source'):
        score('source_miou', models['uniform'])


def test_dev_weights_the_source_samples_that_look_like_the_target():
    rng = np.random.default_rng(0)
    src = rng.normal(size=(200, 2))
    tgt = rng.normal(size=(100, 2)) + [2.0, 0.0]  # the target lies to the right
    weights = density_ratios(src, tgt)
    assert np.corrcoef(weights, src[:, 0])[0, 1] > 0.5
    assert 0.3 < weights.mean() < 3
    losses = np.where(src[:, 0] > 1, 5.0, 1.0)  # the model fails on target-like source samples
    assert dev_risk(losses, weights) > losses.mean() + 0.5
    # the same features in both domains: ratios near 1, DEV near the plain mean loss
    same = density_ratios(src, rng.normal(size=(100, 2)))
    assert dev_risk(losses, same) == pytest.approx(losses.mean(), rel=0.2)


def test_dev_criterion_runs_on_outputs():
    rng = np.random.default_rng(1)
    out = outputs(np.full((20, 3, 2, 2), 1 / 3), source([[1] * 3] * 4, rng.random(30), rng.normal(size=(30, 4))),
                  features=rng.normal(size=(20, 4)) + 1)
    assert math.isfinite(score('dev', out))


def test_rank_puts_nan_last_and_respects_the_direction():
    scores = {'a': 1.0, 'b': float('nan'), 'c': 3.0}
    assert rank(scores, True) == ['c', 'a', 'b']
    assert rank(scores, False) == ['a', 'c', 'b']


def test_spearman_matches_scipy_with_ties():
    scipy_stats = pytest.importorskip('scipy.stats')
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 5, 30).astype(float), rng.normal(size=30)
    assert spearman(x, y) == pytest.approx(scipy_stats.spearmanr(x, y).statistic)
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))


def test_judge_gives_rho_and_regret_in_the_criterion_direction():
    truth = {'a': 10.0, 'b': 20.0, 'c': 15.0}
    lower_better = {'a': 3.0, 'b': 2.0, 'c': 1.0}  # picks c
    judged = judge(lower_better, truth, higher_is_better=False)
    assert judged['pick'] == 'c'
    assert judged['regret'] == pytest.approx(5.0)
    assert judged['rho'] == pytest.approx(spearman([-3, -2, -1], [10, 20, 15]))
    assert judge({'a': 0, 'b': 9, 'c': 1}, truth, True)['regret'] == 0
    assert judge({'a': 0, 'b': 9, 'c': 1}, truth, True, members=['a', 'c'])['pick'] == 'c'


def test_comparison_runs_group_by_run_or_by_seed_and_keep_their_method_in_the_name():
    root = '/runs/compare'
    paths = [f'{root}/{method}/seed{seed}/iter_{it}.pth' for method in ('dacs', 'source_only') for seed in (0, 1)
             for it in (150, 300)] + [f'{root}/warmup/camvid_warmup/seed0/iter_2500.pth']
    by_run = run_groups(paths, 'run')
    assert list(by_run) == ['dacs/seed0', 'dacs/seed1', 'source_only/seed0', 'source_only/seed1',
                            'warmup/camvid_warmup/seed0']
    assert by_run['dacs/seed1'] == [f'{root}/dacs/seed1/iter_150.pth', f'{root}/dacs/seed1/iter_300.pth']
    by_seed = run_groups(paths, 'seed')
    assert sorted(by_seed) == ['seed0', 'seed1'] and len(by_seed['seed0']) == 5 and len(by_seed['seed1']) == 4
    assert short_name(paths[0], common_root(paths)) == 'dacs/seed0/iter_150.pth'
    with pytest.raises(ValueError, match='no seed<k> folder'):
        run_groups(['/runs/a/iter_1.pth'], 'seed')
    with pytest.raises(ValueError, match="'run' or 'seed'"):
        run_groups(paths, 'method')


def test_mixval_counts_intra_and_inter_cluster_probes_against_the_dominant_pseudo_label():
    labels = torch.tensor([[[0, 1], [1, 1]], [[0, 0], [1, 0]]])  # image 1 is image 0's partner and vice versa
    mixed = torch.tensor([[[0, 0], [1, 1]], [[0, 0], [0, 0]]])
    hits, counts = mix_probe_counts(labels, mixed, torch.tensor([1, 0]))
    # the partners agree at (0,0) and (1,0): 4 intra probes, all passed but image 1's (1,0);
    # they differ at (0,1) and (1,1): 4 inter probes, all passed but image 0's (0,1)
    assert counts.tolist() == [4, 4] and hits.tolist() == [3, 3]
    out = outputs(np.full((2, 4, 8, 8), 0.25))
    out.target.mix_hits, out.target.mix_counts = hits, counts
    assert score('mixval', out) == pytest.approx(0.75)
    out.target.mix_hits, out.target.mix_counts = np.array([5.0, 0.0]), np.array([5.0, 0.0])
    assert score('mixval', out) == 0.5  # no boundary probed: inter-cluster accuracy 0, not a free 1
    out.target.mix_counts = np.zeros(2)
    with pytest.raises(ValueError, match='two target images'):
        score('mixval', out)


def test_atc_counts_target_pixels_above_the_threshold_fitted_on_the_source():
    bins = 1000
    source_hist = np.ones(bins)  # confidences spread evenly; accuracy 0.25: threshold at 0.75
    areas = [[1, 1], [4, 4], [4, 4], [4, 4]]  # 2 of 8 labelled pixels right
    target_hist = np.zeros(bins)
    target_hist[[100, 700, 800, 900]] = 1  # confidences 0.1, 0.7, 0.8, 0.9: two above 0.75
    out = outputs(np.full((1, 2, 2, 2), 0.5), source(areas, [1.0], np.zeros((1, 2))))
    out.source.confidence, out.target.confidence = source_hist, target_hist
    assert score('atc', out) == pytest.approx(0.5)
    out.target.confidence = np.roll(target_hist, -100)  # every pixel less confident: fewer above
    assert score('atc', out) == pytest.approx(0.25)
