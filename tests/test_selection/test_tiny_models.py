"""The criteria on tiny real segmentors run through the selection data; target masks are never read."""
import math

import cv2
import numpy as np
import pytest
from da_testing.selection_models import build_segmentor, one_class, sharpened, uniform
from da_testing.writers import write_text_as_png

from mmseg_da.config.loading import load_config
from mmseg_da.selection import CRITERIA, Context, build_selection_data, collect_outputs, score_outputs
from mmseg_da.selection.criteria import majority_vote
from mmseg_da.selection.validate_selection import labelled_target_loaders, true_target_miou


def all_scores(models, data):
    outs = [collect_outputs(model, data, name) for name, model in models.items()]
    ref = majority_vote([o.target.labels for o in outs], 7)
    return score_outputs(outs, list(CRITERIA), Context(reference=ref)), outs


def test_target_is_rural_without_masks_and_source_is_urban(selection_data):
    data = selection_data
    assert data.target_domains == ('Rural', ) and data.source_domains == ('Urban', )
    assert len(data.target) == 2 and len(data.source) == 2
    sample = data.target[0]()
    assert 'gt_sem_seg' not in sample['data_samples']
    assert 'gt_sem_seg' in data.source[0]()['data_samples']


def test_the_adaptation_target_is_never_source_validation(tiny_config):
    # criteria pointed at another domain still must not read the adaptation target's masks as "source"
    data = build_selection_data(load_config(str(tiny_config)), ['Urban'])
    assert data.target_domains == ('Urban', ) and data.source == [] and data.source_domains == ()


def test_known_answers_on_tiny_segmentors(tiny_config, selection_data):
    models = {'one_class': one_class(build_segmentor(tiny_config, 0)),
              'uniform': uniform(build_segmentor(tiny_config, 1)),
              'sharp': sharpened(build_segmentor(tiny_config, 2))}
    scores, outs = all_scores(models, selection_data)
    ent, im = scores['entropy'], scores['info_max']
    assert min(ent, key=ent.get) == 'one_class' and ent['one_class'] < 1e-6
    assert ent['uniform'] == pytest.approx(math.log(7), rel=1e-5)
    assert im['one_class'] == pytest.approx(0, abs=1e-5) and im['uniform'] == pytest.approx(0, abs=1e-5)
    assert im['sharp'] > 0.1  # the only model both confident and diverse
    assert outs[0].target.labels.shape == (2, 32, 32)  # at the test size
    assert set(np.unique(outs[0].target.labels)) == {0}
    for name in ('source_miou', 'source_loss', 'dev', 'snd', 'atc', 'mixval'):
        assert all(math.isfinite(v) for v in scores[name].values()), name
    # one class everywhere: every MixVal probe is intra-cluster and passed, no boundary to probe -> (1 + 0) / 2
    assert scores['mixval']['one_class'] == 0.5
    assert outs[0].target.mix_counts[1] == 0 and outs[0].target.mix_counts[0] == 2 * 32 * 32


def test_a_model_identical_to_the_reference_agrees_fully(tiny_config, selection_data):
    model = build_segmentor(tiny_config, 3)
    reference = collect_outputs(build_segmentor(tiny_config, 3), selection_data).target.labels
    out = collect_outputs(model, selection_data)
    assert CRITERIA['agreement'].score(out, Context(reference)) == 1.0
    other = collect_outputs(one_class(build_segmentor(tiny_config, 4), 6), selection_data)
    assert CRITERIA['agreement'].score(other, Context(reference)) == pytest.approx(np.mean(reference == 6))


def test_garbage_target_masks_change_no_score(tiny_config, tiny_data):
    cfg = load_config(str(tiny_config))
    models = {'a': build_segmentor(tiny_config, 5), 'b': sharpened(build_segmentor(tiny_config, 6))}
    before, _ = all_scores(models, build_selection_data(cfg))
    truth = true_target_miou(models['a'], labelled_target_loaders(cfg, ('Rural', )))
    masks = sorted((tiny_data / 'Val' / 'Rural' / 'masks_png').glob('*.png'))
    rng = np.random.default_rng(0)
    for mask in masks:  # other labels: the true mIoU changes, the criteria must not
        assert cv2.imwrite(str(mask), rng.integers(0, 7, (32, 32)).astype(np.uint8))
    assert true_target_miou(models['a'], labelled_target_loaders(cfg, ('Rural', ))) != truth
    for mask in masks:  # not even an image any more
        write_text_as_png(mask)
    after, _ = all_scores(models, build_selection_data(cfg))
    assert after == before
    with pytest.raises(Exception):  # the validation path does read them
        true_target_miou(models['a'], labelled_target_loaders(cfg, ('Rural', )))
