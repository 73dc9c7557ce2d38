"""EntropyMinSegmentor (ADVENT's MinEnt): source CE + lambda_ent x normalised entropy of the target softmax."""
import math

import pytest
import torch
from da_testing.models import NUM_CLASSES, tiny_pidnet, uda_batch
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_da  # noqa: F401
from mmseg_da.models.losses import normalized_entropy
from mmseg_da.models.utils.output_levels import main_logits


def build_model(**train_cfg):
    init_default_scope('mmseg')
    torch.manual_seed(0)
    return MODELS.build(dict(type='EntropyMinSegmentor', segmentor=tiny_pidnet(), train_cfg=train_cfg))


def test_normalised_entropy_is_one_for_uniform_and_zero_for_certain_outputs():
    assert float(normalized_entropy(torch.zeros(2, NUM_CLASSES, 4, 4))) == pytest.approx(1.0)
    certain = torch.zeros(2, NUM_CLASSES, 4, 4)
    certain[:, 1] = 100.0
    assert float(normalized_entropy(certain)) == pytest.approx(0.0, abs=1e-6)
    logits = torch.randn(1, NUM_CLASSES, 3, 3)
    p = logits.softmax(1)
    expected = (-(p * p.log()).sum(1) / math.log(NUM_CLASSES)).mean()
    torch.testing.assert_close(normalized_entropy(logits), expected)


def test_target_entropy_term_is_logged_and_drives_the_update():
    lam = 0.5
    model = build_model(lambda_ent=lam)
    model.train()
    batch = uda_batch()
    target = model.preprocess_branch(batch['target'])
    with torch.no_grad():  # train-mode BN uses batch statistics: the same outputs as in the step
        logits = main_logits(model.segmentor(target['inputs'], mode='tensor'), model.seg_model, (32, 32))
    entropy = float(normalized_entropy(logits))
    log = model.train_step(uda_batch(), OptimWrapper(torch.optim.SGD(model.segmentor.parameters(), lr=0.1)))
    assert float(log['tgt.loss_ent']) == pytest.approx(lam * entropy, rel=1e-4)
    assert float(log['tgt.entropy']) == pytest.approx(entropy, rel=1e-4)
    assert any(k.startswith('src.decode.') for k in log)

    # the same step without the entropy term moves the weights differently
    plain = build_model(lambda_ent=0.0)
    plain.train()
    plain.train_step(uda_batch(), OptimWrapper(torch.optim.SGD(plain.segmentor.parameters(), lr=0.1)))
    w_ent = model.seg_model.decode_head.conv_seg.weight
    w_plain = plain.seg_model.decode_head.conv_seg.weight
    assert not torch.allclose(w_ent, w_plain)


def test_negative_lambda_is_refused():
    with pytest.raises(ValueError, match='lambda_ent'):
        build_model(lambda_ent=-1)
