# The seed's schedule (sgd_poly_20e.py) for the self-training and entropy-minimisation segmentors: one plain
# OptimWrapper over the student (the mean teacher has no trainable parameters, so no optimizer touches it).
# Under torchrun each submodule with trainable parameters is its own DDP module
# (MMSeparateDistributedDataParallel; plain DDP would not call the model's train_step).
_base_ = ['./sgd_poly_20e.py']

model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel')
# Stops before the first iteration if the training set is not a UDADataset.
custom_hooks = [dict(type='UDADataCheckHook')]
