"""Deep Embedded Validation (DEV): the source validation loss re-weighted towards the target.

You, Wang, Chen, Long, Wang. *Towards Accurate Model Selection in Deep Unsupervised Domain Adaptation*, ICML
2019, Algorithm 1. A domain classifier on the model's features estimates the density ratio
``w(x) = p_target(x) / p_source(x) = (n_s / n_t) * P(target | x) / P(source | x)`` at each source validation
sample; the weighted losses ``L = w * loss`` estimate the target risk, and the control variate ``w`` (whose
mean is 1 in expectation) reduces its variance: ``R = mean(L) + eta * mean(w) - eta`` with
``eta = -Cov(L, w) / Var(w)``. Lower is better.

Here the features are the checkpoint's pooled backbone outputs, one vector per image, and the classifier is
an L2-regularised logistic regression. Each source sample's ratio comes from a classifier fitted without it
(k-fold cross-fitting), so that the classifier cannot memorise the samples it weighs.
"""
from typing import Tuple

import numpy as np
import torch

#: L2 penalty of the logistic regression (on standardised features, per sample).
L2_PENALTY = 1e-2
FOLDS = 5
PROB_CLIP = 1e-4


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2_PENALTY, steps: int = 100) -> Tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression of ``y`` (0/1) on ``x`` (full-batch L-BFGS)."""
    xt = torch.as_tensor(x, dtype=torch.float64)
    yt = torch.as_tensor(y, dtype=torch.float64)
    weight = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    bias = torch.zeros((), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([weight, bias], max_iter=steps, line_search_fn='strong_wolfe')

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(xt @ weight + bias, yt)
        loss = loss + 0.5 * l2 * (weight ** 2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    return weight.detach().numpy(), float(bias.detach())


def density_ratios(source: np.ndarray, target: np.ndarray, folds: int = FOLDS, l2: float = L2_PENALTY,
                   seed: int = 0) -> np.ndarray:
    """``p_target / p_source`` at each source feature vector, from cross-fitted logistic regressions.

    Args:
        source: (n_s, D) source validation features.
        target: (n_t, D) target features.
        folds: Folds of the cross-fitting (each source and target sample is left out once).
        l2: L2 penalty.
        seed: Seed of the fold assignment.

    Returns:
        (n_s,) density ratios.
    """
    x = np.concatenate([source, target]).astype(np.float64)
    x = (x - x.mean(0)) / (x.std(0) + 1e-8)
    y = np.concatenate([np.zeros(len(source)), np.ones(len(target))])
    rng = np.random.default_rng(seed)
    fold = np.concatenate([rng.permutation(len(source)) % folds, rng.permutation(len(target)) % folds])
    p_target = np.empty(len(source))
    for k in range(folds):
        train = fold != k
        weight, bias = fit_logistic(x[train], y[train], l2)
        held = (fold == k)[:len(source)]
        if held.any():
            logits = x[:len(source)][held] @ weight + bias
            p_target[held] = 1.0 / (1.0 + np.exp(-logits))
    p_target = np.clip(p_target, PROB_CLIP, 1 - PROB_CLIP)
    prior = len(source) / len(target)
    return prior * p_target / (1 - p_target)


def dev_risk(losses: np.ndarray, weights: np.ndarray) -> float:
    """DEV's control-variate estimate of the target risk from per-sample losses and density ratios."""
    keep = np.isfinite(losses)
    losses, weights = losses[keep], weights[keep]
    weighted = weights * losses
    var = weights.var(ddof=1) if len(weights) > 1 else 0.0
    eta = -np.cov(weighted, weights, ddof=1)[0, 1] / var if var > 0 else 0.0
    return float(weighted.mean() + eta * weights.mean() - eta)
