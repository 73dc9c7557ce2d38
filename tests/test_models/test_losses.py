"""PlainCrossEntropyLoss (ignores 255 by itself) and RobustOhemCrossEntropy (OHEM that never fails)."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmseg.models.losses import OhemCrossEntropy
from mmseg.registry import MODELS

import mmseg_da  # noqa: F401


def logits_and_labels(n=2, c=7, size=16, ignore_fraction=0.3, seed=0):
    g = torch.Generator().manual_seed(seed)
    score = torch.randn(n, c, size, size, generator=g, requires_grad=True)
    label = torch.randint(0, c, (n, size, size), generator=g)
    label[torch.rand(n, size, size, generator=g) < ignore_fraction] = 255
    return score, label


def test_plain_ce_is_torch_cross_entropy_with_ignore_255():
    score, label = logits_and_labels()
    loss = MODELS.build(dict(type='PlainCrossEntropyLoss', loss_weight=0.4))
    expected = 0.4 * F.cross_entropy(score, label, ignore_index=255)
    torch.testing.assert_close(loss(score, label), expected)  # no ignore_index: PIDHead's 2nd/4th call
    torch.testing.assert_close(loss(score, label, ignore_index=255), expected)  # BaseDecodeHead's call


def test_plain_ce_with_every_pixel_ignored_is_zero():
    score, label = logits_and_labels()
    loss = MODELS.build(dict(type='PlainCrossEntropyLoss'))(score, torch.full_like(label, 255))
    assert float(loss) == 0.0


def manual_ohem(score, label, thres, min_kept, ignore=255):
    pixel = F.cross_entropy(score, label, ignore_index=ignore, reduction='none').flatten()
    valid = label.flatten() != ignore
    prob = F.softmax(score, 1).gather(1, label.clamp(max=score.shape[1] - 1).unsqueeze(1)).flatten()
    prob_valid = prob[valid]
    kth = torch.sort(prob_valid).values[min(min_kept, len(prob_valid) - 1)]
    threshold = max(float(kth), thres)
    return pixel[valid][prob_valid < threshold].mean()


@pytest.mark.parametrize('thres, min_kept', [(0.7, 10), (0.05, 100), (0.9, 100000)])
def test_ohem_keeps_the_hard_labelled_pixels(thres, min_kept):
    score, label = logits_and_labels()
    loss_fn = MODELS.build(dict(type='RobustOhemCrossEntropy', thres=thres, min_kept=min_kept))
    loss = loss_fn(score, label)
    torch.testing.assert_close(loss, manual_ohem(score.detach(), label, thres, min_kept))
    # the same as mmseg's original where that one works
    torch.testing.assert_close(loss, OhemCrossEntropy(thres=thres, min_kept=min_kept)(score, label))
    loss.backward()
    assert score.grad is not None and float(score.grad.abs().sum()) > 0


def test_ohem_ignores_the_ignored_pixels():
    score, label = logits_and_labels()
    loss_fn = MODELS.build(dict(type='RobustOhemCrossEntropy', thres=0.7, min_kept=50))
    before = loss_fn(score, label)
    changed = score.detach().clone()
    changed[(label == 255).unsqueeze(1).expand_as(changed)] = 100.0  # logits where label is 255
    torch.testing.assert_close(loss_fn(changed, label), before)
    loss_fn(score, label).backward()
    ignored = (label == 255).unsqueeze(1).expand_as(score)
    assert float(score.grad[ignored].abs().max()) == 0.0


def test_ohem_accepts_the_ignore_index_that_heads_pass():
    score, label = logits_and_labels()
    loss_fn = MODELS.build(dict(type='RobustOhemCrossEntropy', loss_weight=0.4))
    torch.testing.assert_close(loss_fn(score, label, ignore_index=255), loss_fn(score, label))
    relabelled = label.masked_fill(label == 255, 7)  # the same pixels, ignored under another index
    torch.testing.assert_close(loss_fn(score, relabelled, ignore_index=7), loss_fn(score, label))
    with pytest.raises(TypeError):  # what mmseg's original does when a head passes ignore_index
        OhemCrossEntropy()(score, label, ignore_index=255)


def test_ohem_never_returns_nan():
    score, label = logits_and_labels()
    confident = torch.zeros_like(score.detach())
    confident.scatter_(1, label.clamp(max=6).unsqueeze(1), 5.0)  # p(true class) ~ 0.96 everywhere
    confident.requires_grad_(True)
    # mmseg 1.2.2 keeps only pixels strictly below max(thres, k-th lowest p), an empty set here
    assert math.isnan(float(OhemCrossEntropy(thres=0.7, min_kept=10)(confident, label)))
    loss_fn = MODELS.build(dict(type='RobustOhemCrossEntropy', thres=0.7, min_kept=10))
    loss = loss_fn(confident, label)  # falls back to all labelled pixels
    torch.testing.assert_close(loss, F.cross_entropy(confident, label, ignore_index=255))
    loss.backward()
    assert torch.isfinite(confident.grad).all()

    one_pixel = torch.full_like(label, 255)
    one_pixel[0, 3, 4] = int(label.clamp(max=6)[0, 3, 4])
    assert math.isnan(float(OhemCrossEntropy(thres=0.7, min_kept=10)(confident, one_pixel)))
    torch.testing.assert_close(loss_fn(confident, one_pixel),
                               F.cross_entropy(confident, one_pixel, ignore_index=255))


def test_ohem_with_every_pixel_ignored_is_a_connected_zero():
    score, label = logits_and_labels()
    loss = MODELS.build(dict(type='RobustOhemCrossEntropy'))(score, torch.full_like(label, 255))
    assert float(loss) == 0.0 and loss.requires_grad
    loss.backward()


def test_ohem_names_mismatched_shapes():
    score, label = logits_and_labels()
    with pytest.raises(ValueError, match='RobustOhemCrossEntropy'):
        MODELS.build(dict(type='RobustOhemCrossEntropy'))(score, label[:, :8])
