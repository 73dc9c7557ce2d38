"""mmseg's IoUMetric, reported overall and separately for every domain in the evaluated data."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.logging import MMLogger, print_log
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS
from prettytable import PrettyTable


@METRICS.register_module()
class DomainIoUMetric(IoUMetric):
    """IoU metric with per-domain results, grouped by each sample's ``metainfo['domain']``.

    Areas are computed by :meth:`IoUMetric.intersect_and_union` and turned into metrics by
    :meth:`IoUMetric.total_area_to_metrics`, over all samples and over each domain's samples. The
    result holds the overall ``aAcc``/``mIoU``/``mAcc`` (as ``IoUMetric``, in percent) and, for every
    domain, ``<domain>/aAcc``, ``<domain>/mIoU``, ``<domain>/mAcc`` and ``<domain>/IoU.<class>``, so
    ``default_hooks.checkpoint.save_best='Rural/mIoU'`` keeps the best checkpoint on the target domain.
    Samples without a domain count in the overall figures only. A per-class table (IoU, Acc) is logged
    for each domain, then a summary table of all domains.

    Args:
        domain_key (str): The metainfo key holding the domain. Defaults to ``'domain'``.
        **kwargs: Passed to :class:`mmseg.evaluation.IoUMetric` (``ignore_index``, ``iou_metrics``, ...).
    """

    def __init__(self, domain_key: str = 'domain', **kwargs) -> None:
        super().__init__(**kwargs)
        self.domain_key = domain_key

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Compute each sample's areas with IoUMetric and tag them with the sample's domain."""
        for sample in data_samples:
            before = len(self.results)
            super().process(data_batch, [sample])
            if len(self.results) > before:  # IoUMetric adds nothing in format_only mode
                self.results[-1] = (sample.get(self.domain_key), *self.results[-1])

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Overall metrics plus ``<domain>/<metric>`` for every domain, with one table per domain."""
        if self.format_only:
            return super().compute_metrics(results)
        logger: MMLogger = MMLogger.get_current_instance()
        class_names = self.dataset_meta['classes']
        domains = list(dict.fromkeys(r[0] for r in results if r[0] is not None))

        summary, _ = self._summarise([r[1:] for r in results])
        metrics: Dict[str, float] = dict(summary)
        rows = []
        for domain in domains:
            dom_summary, per_class = self._summarise([r[1:] for r in results if r[0] == domain])
            metrics.update({f'{domain}/{key}': val for key, val in dom_summary.items()})
            for name, iou in zip(class_names, per_class.get('IoU', [])):
                metrics[f'{domain}/IoU.{name}'] = float(iou)
            print_log(f'per class results, domain {domain}:', logger)
            print_log('\n' + self._class_table(per_class, class_names), logger=logger)
            rows.append((domain, dom_summary))
        if len(domains) != 1 or any(r[0] is None for r in results):
            _, per_class = self._summarise([r[1:] for r in results])
            print_log('per class results, all samples:', logger)
            print_log('\n' + self._class_table(per_class, class_names), logger=logger)
        rows.append(('all', summary))
        print_log('summary by domain:', logger)
        print_log('\n' + self._summary_table(rows), logger=logger)
        return metrics

    def _summarise(self, results: List[tuple]) -> Tuple[Dict[str, float], Dict[str, np.ndarray]]:
        """IoUMetric's summary (``aAcc``, ``mIoU``, ...) and per-class values, both in percent."""
        areas = tuple(zip(*results))
        ret = self.total_area_to_metrics(sum(areas[0]), sum(areas[1]), sum(areas[2]), sum(areas[3]),
                                         self.metrics, self.nan_to_num, self.beta)
        ret = {key: np.asarray(value, np.float64) for key, value in ret.items()}  # areas come as float32
        summary = OrderedDict()
        for key, value in ret.items():
            summary[key if key == 'aAcc' else 'm' + key] = float(np.round(np.nanmean(value) * 100, 2))
        per_class = OrderedDict((key, np.round(value * 100, 2)) for key, value in ret.items() if key != 'aAcc')
        return summary, per_class

    @staticmethod
    def _class_table(per_class: Dict[str, np.ndarray], class_names: Sequence[str]) -> str:
        table = PrettyTable()
        table.add_column('Class', list(class_names))
        for key, values in per_class.items():
            table.add_column(key, [float(v) for v in values])
        return table.get_string()

    @staticmethod
    def _summary_table(rows: List[Tuple[str, Dict[str, float]]]) -> str:
        table = PrettyTable()
        keys: Optional[List[str]] = None
        for domain, summary in rows:
            if keys is None:
                keys = list(summary)
                table.field_names = ['Domain'] + keys
            table.add_row([domain] + [summary[k] for k in keys])
        return table.get_string()
