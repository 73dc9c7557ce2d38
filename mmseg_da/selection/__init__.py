"""Label-free checkpoint selection: criteria computed from unlabelled target images (and the labelled source
validation set), ranking, and the validation of the criteria against true target mIoU (``validation``, the
only module that reads target labels)."""
from .criteria import CRITERIA, Context, Criterion, majority_vote
from .data import SelectionData, build_selection_data, infer_target_domains
from .outputs import CheckpointOutputs, SourceOutputs, TargetOutputs, collect_outputs
from .select_checkpoint import (
                      check_criteria,
                      collect_all,
                      expand_checkpoints,
                      needs_source,
                      pick,
                      rank,
                      reference_labels,
                      score_outputs,
)

__all__ = ['CRITERIA', 'Context', 'Criterion', 'majority_vote', 'SelectionData', 'build_selection_data',
           'infer_target_domains', 'CheckpointOutputs', 'SourceOutputs', 'TargetOutputs', 'collect_outputs',
           'check_criteria', 'collect_all', 'expand_checkpoints', 'needs_source', 'pick', 'rank',
           'reference_labels', 'score_outputs']
