"""Judge the label-free criteria against the true target mIoU of the same checkpoints (READS TARGET LABELS).

For validation only: the criteria are computed exactly as tools/analysis/select_checkpoint.py computes them
(no target mask); then, separately, each checkpoint's true target mIoU is computed with the target masks.
Prints, per criterion, Spearman's rho between the criterion (signed so that higher is better) and the true
mIoU, and the regret (true mIoU of the best checkpoint minus that of the pick), over all checkpoints and per run
(the folder holding the checkpoints).

Example:
    python tools/analysis/validate_selection.py configs/camvid_day2dusk_source_only.py \
        work_dirs/run_a work_dirs/run_b --own-config --json validation.json
"""
import argparse
import json
from typing import Dict

import mmseg_da  # noqa: F401  (registers modules)
from mmseg_da.cli import add_inference_arguments, clear_errors
from mmseg_da.fileio.required_paths import require_file
from mmseg_da.reports.tables import console_table, markdown_table
from mmseg_da.selection.criteria import Context
from mmseg_da.selection.data import infer_target_domains
from mmseg_da.selection.jobs import plan_jobs
from mmseg_da.selection.report import common_root, describe, fmt, short_name, validation_table
from mmseg_da.selection.select_checkpoint import (
    check_criteria,
    collect_all,
    expand_checkpoints,
    needs_mix_probes,
    needs_source,
    reference_labels,
    score_outputs,
)
from mmseg_da.selection.validate_selection import judge_all, labelled_target_loaders, run_groups, true_target_miou


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Validate label-free selection criteria with target labels')
    parser.add_argument('config', help='config file (its val set tells the target and source domains)')
    parser.add_argument('checkpoints', nargs='+', help='checkpoint files, folders of them, or glob patterns')
    parser.add_argument('--criterion', nargs='+', default=['all'], help='criteria to judge (default all)')
    parser.add_argument('--reference', help='reference checkpoint of `agreement` (default: majority vote)')
    parser.add_argument('--target-domain', nargs='+', help='target domain name(s) (default: the training '
                        'set\'s target domain)')
    parser.add_argument('--truth-domain', nargs='+', help='domain name(s) whose masks give the true mIoU '
                        '(default: the target domain(s) the criteria see), e.g. criteria on the adaptation '
                        'block\'s images and the truth on frames no run adapted on')
    parser.add_argument('--group-by', choices=['run', 'seed'], default='run', help='the groups of the per-group '
                        'columns: each run\'s own checkpoints, or every run of one seed (runs laid out as '
                        'compare_methods.py does: <method>/seed<k>/)')
    parser.add_argument('--own-config', action='store_true', help='score each checkpoint with the config '
                        'dumped in its folder where there is one (runs of different sizes)')
    parser.add_argument('--markdown', action='store_true', help='print the tables as Markdown')
    parser.add_argument('--json', help='write the scores, true mIoUs and judgements to this JSON file')
    add_inference_arguments(parser)
    parser.set_defaults(batch_size=4)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with clear_errors('validate_selection.py'):
        require_file(args.config, 'config file')
        names = check_criteria(args.criterion)
        if 'source_miou' not in names:
            names.append('source_miou')  # the naive choice, always shown beside
        checkpoints = expand_checkpoints(args.checkpoints)
        if len(checkpoints) < 3:
            raise ValueError(f'validation needs at least 3 checkpoints, got {len(checkpoints)}')
        jobs = plan_jobs(args.config, checkpoints, args.own_config, args.data_root, args.cfg_options,
                         args.target_domain, with_source=needs_source(names))
        _, cfg, data = jobs[0]
        print(describe(len(checkpoints), data))

        # --- validation only: the true target mIoU, with target masks, kept apart from the criteria ---
        truth: Dict[str, float] = {}
        labelled = {}
        config_of = {checkpoint: job_cfg for checkpoint, job_cfg, _ in jobs}

        def score_with_labels(segmentor, checkpoint: str) -> None:
            job_cfg = config_of[checkpoint]
            if id(job_cfg) not in labelled:
                labelled[id(job_cfg)] = labelled_target_loaders(
                    job_cfg, args.truth_domain or args.target_domain or infer_target_domains(job_cfg))
            truth[checkpoint] = true_target_miou(segmentor, labelled[id(job_cfg)], args.batch_size)

        outputs = collect_all(jobs, args.device, args.batch_size, visit=score_with_labels,
                              mix_probes=needs_mix_probes(names, args.batch_size))
        context = Context()
        if 'agreement' in names:
            context.reference = reference_labels(cfg, outputs, data, args.reference, args.device, args.batch_size)
        scores = score_outputs(outputs, names, context)

        groups = run_groups(checkpoints, args.group_by)
        root = common_root(checkpoints)
        rows = [[short_name(c, root), fmt(truth[c], 4)] + [fmt(scores[n][c], 4) for n in names]
                for c in checkpoints]
        print('\nscores (true target mIoU read from labels, for validation only):')
        headers = ['checkpoint', 'target mIoU'] + names
        print(markdown_table(headers, rows) if args.markdown else console_table(rows, headers))
        results = judge_all(scores, truth, groups)
        best = max(truth, key=truth.get)
        print(f'\nbest checkpoint: {short_name(best, root)} (target mIoU {truth[best]:.2f}); '
              f'regret = best target mIoU - target mIoU of the pick')
        print(validation_table(results, list(groups), markdown=args.markdown, root=root))
        if args.json:
            truth_domains = args.truth_domain or args.target_domain or list(data.target_domains)
            with open(args.json, 'w') as f:
                json.dump(dict(truth=truth, scores=scores, results=results, groups=groups,
                               target_domains=list(data.target_domains), truth_domains=truth_domains), f, indent=2)


if __name__ == '__main__':
    main()
