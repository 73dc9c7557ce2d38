# CamVid day -> dusk, two-stage protocol, stage 2: camvid_day2dusk_dacs.py started from the source-only warm-up
# (stage 1: camvid_day2dusk_source_only.py, its final checkpoint) for its own 300 iterations at the same budget.
# All methods x 3 seeds with the baseline (the warm-up continued): tools/analysis/compare_methods.py --warmup.
_base_ = ['./camvid_day2dusk_dacs.py']
load_from = 'work_dirs/camvid_day2dusk_source_only/iter_300.pth'
