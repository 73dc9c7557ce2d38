"""Soft Neighbourhood Density (SND).

Saito, Kim, Teterwak, Sclaroff, Darrell, Saenko. *Tune it the Right Way: Unsupervised Validation of Domain
Adaptation via Soft Neighborhood Density*, ICCV 2021. Target samples are embedded by their softmax
probabilities (L2-normalised); each sample's similarities to the others, divided by a temperature and passed
through a softmax, give a soft neighbourhood distribution, whose entropy is high where samples sit in dense
clusters. SND is the mean of these entropies; higher is better. For segmentation the samples are pixels (a fixed
random sample of each target image's pixels, see :mod:`mmseg_da.selection.outputs`).
"""
import numpy as np
import torch

#: The paper's temperature.
TEMPERATURE = 0.05


def soft_neighbourhood_density(probs: np.ndarray, temperature: float = TEMPERATURE) -> float:
    """SND of ``probs`` ((M, C) softmax vectors, one per sample)."""
    f = torch.nn.functional.normalize(torch.as_tensor(probs, dtype=torch.float64), dim=1)
    sim = f @ f.T / temperature
    sim.fill_diagonal_(float('-inf'))
    p = sim.softmax(dim=1)
    return float(-(p * torch.log(p.clamp_min(1e-300))).sum(dim=1).mean())
