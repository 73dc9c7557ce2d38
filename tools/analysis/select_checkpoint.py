"""Rank checkpoints without target labels and print the pick (label-free model selection).

Each checkpoint is loaded strictly into the config's deployable segmentor and run on the config's validation
images of the target domain with a masks-free pipeline (no target mask is read); criteria that need it also
run the labelled source validation set. See mmseg_da/selection and docs/label_free_selection.md.

Example:
    python tools/analysis/select_checkpoint.py configs/camvid_day2dusk_source_only.py \
        work_dirs/run_a work_dirs/run_b/iter_*.pth --criterion agreement --source-val --json pick.json
"""
import argparse
import json

import mmseg_da  # noqa: F401  (registers modules)
from mmseg_da.cli import add_inference_arguments, clear_errors
from mmseg_da.fileio.required_paths import require_file
from mmseg_da.selection.criteria import CRITERIA, Context
from mmseg_da.selection.jobs import plan_jobs
from mmseg_da.selection.report import common_root, describe, ranking_table, short_name
from mmseg_da.selection.select_checkpoint import (
    check_criteria,
    collect_all,
    expand_checkpoints,
    needs_mix_probes,
    needs_source,
    pick,
    reference_labels,
    score_outputs,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Rank checkpoints by a label-free criterion')
    parser.add_argument('config', help='config file (its val set tells the target and source domains)')
    parser.add_argument('checkpoints', nargs='+', help='checkpoint files, folders of them, or glob patterns')
    parser.add_argument('--criterion', nargs='+', default=['all'],
                        help=f'criterion name(s), or all: {", ".join(CRITERIA)}')
    parser.add_argument('--source-val', action='store_true',
                        help='also score by source validation mIoU (the naive choice) and show it beside')
    parser.add_argument('--reference', help='reference checkpoint of `agreement` (default: majority vote)')
    parser.add_argument('--target-domain', nargs='+', help='target domain name(s) (default: the training '
                        'set\'s target domain)')
    parser.add_argument('--target-images', nargs='+', help='target image files or folders to score on, instead '
                        'of the validation set\'s target samples (a target without masks)')
    parser.add_argument('--own-config', action='store_true', help='score each checkpoint with the config '
                        'dumped in its folder where there is one (runs of different sizes)')
    parser.add_argument('--json', help='write scores, rankings and picks to this JSON file')
    add_inference_arguments(parser)
    parser.set_defaults(batch_size=4)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with clear_errors('select_checkpoint.py'):
        require_file(args.config, 'config file')
        names = check_criteria(args.criterion)
        if args.source_val and 'source_miou' not in names:
            names.append('source_miou')
        checkpoints = expand_checkpoints(args.checkpoints)
        if args.reference:
            require_file(args.reference, 'reference checkpoint')
        jobs = plan_jobs(args.config, checkpoints, args.own_config, args.data_root, args.cfg_options,
                         args.target_domain, with_source=needs_source(names),
                         target_images=args.target_images)
        _, cfg, data = jobs[0]
        print(describe(len(checkpoints), data))
        outputs = collect_all(jobs, args.device, args.batch_size, mix_probes=needs_mix_probes(names, args.batch_size))
        context = Context()
        if 'agreement' in names:
            context.reference = reference_labels(cfg, outputs, data, args.reference, args.device, args.batch_size)
        scores = score_outputs(outputs, names, context)
        result = {}
        root = common_root(checkpoints)
        for name in names:
            higher = CRITERIA[name].higher_is_better
            print(f'\n{name}: {CRITERIA[name].summary}')
            print(ranking_table(name, scores[name], scores.get('source_miou'), root=root))
            chosen = pick(scores[name], higher)
            print(f'pick ({name}): {short_name(chosen, root) if chosen else "none (no finite score)"}')
            result[name] = dict(higher_is_better=higher, scores=scores[name], pick=chosen)
        if args.json:
            with open(args.json, 'w') as f:
                json.dump(dict(criteria=result, target_domains=list(data.target_domains),
                               source_domains=list(data.source_domains),
                               reference=args.reference or 'majority'), f, indent=2)


if __name__ == '__main__':
    main()
