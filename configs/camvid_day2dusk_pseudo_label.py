# CamVid day -> dusk, offline pseudo-labels (the seed's "student"): PIDNet-S trained on the labelled day frames
# plus the dusk frames labelled by a teacher (pixels below its confidence ignored), concatenated as two
# sources, starting from the teacher's weights; within the shared CPU budget. Dusk ground truth: evaluation
# only. Two steps (TEACHER.pth, e.g. work_dirs/camvid_day2dusk_source_only/iter_300.pth):
#   python tools/pseudo_label.py configs/camvid_day2dusk_pseudo_label.py TEACHER.pth \
#       --out work_dirs/camvid_dusk_pseudo_labels --threshold 0.9
#   OMP_NUM_THREADS=1 python tools/train.py configs/camvid_day2dusk_pseudo_label.py \
#       --cfg-options load_from=TEACHER.pth
# (load_from takes adaptation checkpoints of this budget as they are: the same `segmentor.` keys.)
_base_ = ['./camvid_day2dusk_source_only.py']
pseudo_label_dir = 'work_dirs/camvid_dusk_pseudo_labels'
train_dataloader = dict(
    dataset=dict(source=[
        dict(type='CamVidDomainDataset', data_root='data/camvid', split='train', domain='day',
             pipeline=_base_.source_pipeline),  # noqa: F821  (mmengine exposes the merged base as `_base_`)
        dict(type='PseudoLabelDataset', label_dir=pseudo_label_dir,
             pipeline=_base_.source_pipeline,  # noqa: F821  (its CheckedLoadAnnotations reads the pseudo-labels)
             dataset=dict(type='CamVidDomainDataset', data_root='data/camvid', split='train', domain='dusk',
                          pipeline=_base_.target_pipeline)),  # noqa: F821
    ]))
