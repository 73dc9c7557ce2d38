"""Each test domain evaluated twice: with the checkpoint's BatchNorm statistics and with the domain's own.

A checkpoint's BatchNorm running statistics are those of the images it was trained on. Re-estimating them on a
test domain's own (unlabelled) test images, weights unchanged (test-time BN adaptation / AdaBN: Li et al. 2016;
Schneider et al., NeurIPS 2020), shows how much of a domain gap, or of an adaptation method's gain, is
statistics rather than weights. :func:`evaluate_domains_with_own_bn` does both evaluations for every domain
of a config's test set, with mmengine's test loop and the config's own evaluator.
"""
import copy
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import torch
from mmengine.registry import LOOPS
from mmengine.runner import Runner
from torch import nn

from mmseg_da.apis.bn_statistics import reestimate_bn_statistics
from mmseg_da.models.utils.batch_norm import batch_norms
from mmseg_da.models.utils.deployable import deployable_segmentor
from mmseg_da.reports.tables import console_table

#: The score the table compares.
METRIC = 'mIoU'
#: Column names of the table.
HEADERS = ('domain', f'{METRIC} checkpoint statistics', f'{METRIC} own statistics', 'difference')


@dataclass
class DomainBNResult:
    """One test domain's evaluations.

    Attributes:
        domain: The domain's name (the datasets' ``domain``).
        images: Images in the domain's test set.
        bn_batches: Batches the re-estimated statistics average over.
        checkpoint_metrics: The evaluator's metrics with the checkpoint's BatchNorm statistics.
        own_metrics: The evaluator's metrics with statistics re-estimated on the domain's test images.
    """

    domain: str
    images: int
    bn_batches: int
    checkpoint_metrics: Dict[str, float] = field(default_factory=dict)
    own_metrics: Dict[str, float] = field(default_factory=dict)

    @property
    def checkpoint_score(self) -> float:
        return domain_score(self.checkpoint_metrics, self.domain)

    @property
    def own_score(self) -> float:
        return domain_score(self.own_metrics, self.domain)

    @property
    def difference(self) -> float:
        """Own minus checkpoint statistics' score (percentage points)."""
        return round(self.own_score - self.checkpoint_score, 2)

    def to_dict(self) -> Dict[str, Any]:
        """The result as plain JSON values (NaN, e.g. the IoU of a class absent from the domain, as None)."""
        def plain(metrics: Dict[str, float]) -> Dict[str, Optional[float]]:
            return {key: None if math.isnan(value) else value for key, value in metrics.items()}

        return dict(domain=self.domain, images=self.images, bn_batches=self.bn_batches,
                    checkpoint_statistics={METRIC: self.checkpoint_score, 'metrics': plain(self.checkpoint_metrics)},
                    own_statistics={METRIC: self.own_score, 'metrics': plain(self.own_metrics)},
                    difference={METRIC: self.difference})


def domain_score(metrics: Dict[str, float], domain: str, metric: str = METRIC) -> float:
    """``<domain>/<metric>`` of an evaluation (DomainIoUMetric), else the overall ``<metric>`` (IoUMetric)."""
    for key in (f'{domain}/{metric}', metric):
        if key in metrics:
            return float(metrics[key])
    raise KeyError(f'the test evaluator reported no {metric!r} for domain {domain!r} (keys: '
                   f'{sorted(metrics)[:8]}); test_evaluator must be an IoU metric, e.g. '
                   f"dict(type='DomainIoUMetric', iou_metrics=['{metric}'])")


def _domains_of(dataset_cfg: dict) -> List[str]:
    """The domains a dataset config names: its ``domain`` (a name or a list of names), renamed by ``domain_name``."""
    if dataset_cfg.get('domain_name'):  # CamVidDomainDataset: every frame reported under this one name
        return [str(dataset_cfg['domain_name'])]
    domain = dataset_cfg.get('domain')
    if isinstance(domain, (list, tuple)):
        return [str(d) for d in dict.fromkeys(domain)]
    return [str(domain)] if domain else []


def split_domains(dataset_cfg: dict) -> List[Tuple[str, dict]]:
    """The test set's datasets by domain: ``(domain, dataset config)`` in the order of the test set.

    Every dataset whose ``domain`` lists several domains (LoveDA's ``domain=['Urban', 'Rural']``, CamVid's
    ``domain=('day', 'dusk')``) is split into one dataset per domain; a ``ConcatDataset`` gives one entry per
    distinct domain of its datasets (several datasets of one domain are concatenated). A dataset without a
    ``domain`` is named by its type (and position, in a ``ConcatDataset``).

    Raises:
        ValueError: If the config holds no dataset, or a ``domain`` list is empty.
    """
    if not isinstance(dataset_cfg, dict) or not dataset_cfg:
        raise ValueError('test_dataloader.dataset: expected a dataset config (a dict with a type), got '
                         f'{dataset_cfg!r}')
    if dataset_cfg.get('type') == 'ConcatDataset':
        parts = dataset_cfg.get('datasets') or []
        if not parts:
            raise ValueError('test_dataloader.dataset is a ConcatDataset without datasets (its "datasets" list is '
                             'empty)')
    else:
        parts = [dataset_cfg]
    grouped: Dict[str, List[dict]] = {}
    for index, part in enumerate(parts):
        if isinstance(part.get('domain'), (list, tuple)) and not part['domain']:
            raise ValueError(f'test_dataloader.dataset: {part.get("type")} has an empty domain list')
        domains = _domains_of(part)
        if not domains:
            default = str(part.get('type', 'dataset'))
            domains, single = [default if len(parts) == 1 else f'{default}[{index}]'], True
        else:
            single = len(domains) == 1
        for domain in domains:
            one = copy.deepcopy(part)
            if not single:
                one['domain'] = domain
            grouped.setdefault(domain, []).append(one)
    return [(name, group[0] if len(group) == 1 else dict(type='ConcatDataset', datasets=group))
            for name, group in grouped.items()]


def check_domain_dataset(dataset: Any, domain: str) -> None:
    """Refuse a domain's dataset whose samples name other domains (statistics would pool domains).

    Raises:
        ValueError: If a sample's ``domain`` is not ``domain``, or the dataset is empty.
    """
    if len(dataset) == 0:
        raise ValueError(f'the test set of domain {domain!r} is empty: there is nothing to evaluate')
    seen = {info.get('domain') for info in (dataset.get_data_info(i) for i in range(len(dataset)))} - {None}
    other = sorted(str(d) for d in seen if str(d) != domain)
    if other:
        raise ValueError(f'the test set split off as domain {domain!r} holds samples of the domain(s) {other}: '
                         'the BatchNorm statistics would pool domains. Give every domain its own dataset in '
                         "test_dataloader.dataset (e.g. a ConcatDataset with one dataset per domain)")


def _evaluate(runner: Runner, dataloader: Any) -> Dict[str, float]:
    """The config's test loop and evaluator over ``dataloader`` (a built DataLoader): the metrics."""
    loop_cfg = copy.deepcopy(dict(runner.cfg.get('test_cfg') or {}))
    loop_cfg.setdefault('type', 'TestLoop')
    loop = LOOPS.build(loop_cfg, default_args=dict(runner=runner, dataloader=dataloader,
                                                   evaluator=copy.deepcopy(runner.cfg.test_evaluator)))
    # the runner's test loop, as Runner.test() sets it: the log's progress counts this domain's images
    runner._test_loop = loop
    metrics = {}
    for key, value in loop.run().items():
        try:
            metrics[key] = float(value)
        except (TypeError, ValueError):  # a per-class array or a string: not part of this report
            continue
    return metrics


def evaluate_domains_with_own_bn(runner: Runner, batch_size: int = 4, max_batches: Optional[int] = None,
                                 shuffle: bool = True, seed: int = 0) -> List[DomainBNResult]:
    """Evaluate every test domain with the checkpoint's BatchNorm statistics, then with the domain's own.

    The runner's model must hold the checkpoint's weights (e.g. loaded with
    :func:`mmseg_da.apis.load_segmentor_checkpoint`). For each domain of ``test_dataloader.dataset``
    (see :func:`split_domains`), a dataloader is built from ``test_dataloader`` with that domain's dataset
    only; the domain is evaluated with the config's test loop and ``test_evaluator``; then the BatchNorm
    statistics of the deployable segmentor are re-estimated on the same test images (labels unused; see
    :func:`mmseg_da.apis.reestimate_bn_statistics`) and the domain is evaluated again. The checkpoint's
    weights and statistics are restored before each domain and at the end.

    The statistics average the per-batch statistics, as training does. With the test set in its order, a
    batch of a video's consecutive frames varies less than a random batch, and the variances come out too
    small (measured on CamVid: docs/experiments.md); ``shuffle`` therefore draws the batches at random, as
    training batches are drawn.

    Args:
        runner: A runner built from the config (``test_dataloader``, ``test_evaluator``).
        batch_size: Images per batch when re-estimating the statistics.
        max_batches: At most this many batches for the statistics; None uses all of a domain's images.
        shuffle: Batches of the domain's test images in a random order (True) or in the test set's order.
        seed: The seed of the random order.

    Returns:
        One result per domain, in the order of the test set.

    Raises:
        ValueError: If the segmentor has no BatchNorm layer, or the config has no test set.
        KeyError: If the evaluator reports no mIoU.
    """
    segmentor: nn.Module = deployable_segmentor(runner.model)
    if not batch_norms(segmentor):
        raise ValueError(f'{type(segmentor).__name__} has no BatchNorm layer: there are no statistics to '
                         're-estimate, both evaluations would be the same')
    loader_cfg = runner.cfg.get('test_dataloader')
    if not loader_cfg or not runner.cfg.get('test_evaluator'):
        raise ValueError('the config has no test_dataloader/test_evaluator to evaluate the domains on')
    saved = {key: value.detach().clone() for key, value in segmentor.state_dict().items()}
    results = []
    runner.call_hook('before_run')  # as Runner.test(): the logger hook opens its log files
    try:
        for domain, dataset_cfg in split_domains(loader_cfg['dataset']):
            segmentor.load_state_dict(saved, strict=True)
            dataloader = Runner.build_dataloader(dict(copy.deepcopy(loader_cfg), dataset=dataset_cfg),
                                                 seed=runner.seed)
            check_domain_dataset(dataloader.dataset, domain)
            checkpoint_metrics = _evaluate(runner, dataloader)
            if shuffle:
                bn_loader = Runner.build_dataloader(
                    dict(copy.deepcopy(loader_cfg), dataset=dataset_cfg, persistent_workers=False,
                         sampler=dict(type='DefaultSampler', shuffle=True)), seed=seed)
            else:
                bn_loader = dataloader
            bn_batches = reestimate_bn_statistics(segmentor, bn_loader, max_batches=max_batches,
                                                  batch_size=batch_size)
            own_metrics = _evaluate(runner, dataloader)
            results.append(DomainBNResult(domain, len(dataloader.dataset), bn_batches, checkpoint_metrics,
                                          own_metrics))
    finally:
        with torch.no_grad():
            segmentor.load_state_dict(saved, strict=True)
    runner.call_hook('after_run')
    if not results:
        raise ValueError('test_dataloader.dataset has no domain to evaluate: the per-domain table is empty')
    return results


def domain_bn_table(results: List[DomainBNResult]) -> str:
    """The console table: domain | mIoU with checkpoint statistics | with own statistics | difference."""
    rows = [(r.domain, f'{r.checkpoint_score:.2f}', f'{r.own_score:.2f}', f'{r.difference:+.2f}') for r in results]
    return console_table(rows, HEADERS, align='lrrr')


def domain_bn_report(results: List[DomainBNResult], **context: Any) -> Dict[str, Any]:
    """The JSON report: ``context`` (config, checkpoint, settings) and one entry per domain."""
    return dict(context, metric=METRIC, domains=[r.to_dict() for r in results])
