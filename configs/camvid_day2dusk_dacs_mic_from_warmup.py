# CamVid day -> dusk, two-stage protocol, stage 2: camvid_day2dusk_dacs_mic.py from the source-only warm-up
# (camvid_day2dusk_source_only.py's final checkpoint) for its own 300 iterations; see compare_methods.py --warmup.
_base_ = ['./camvid_day2dusk_dacs_mic.py']
load_from = 'work_dirs/camvid_day2dusk_source_only/iter_300.pth'
