"""Online self-training with a mean teacher and ClassMix (DACS, Tranheden et al., WACV 2021)."""
from typing import Dict, Union

import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmseg.registry import MODELS
from mmseg.utils import add_prefix
from torch import Tensor

from ..utils import WarmupEMA, class_mix_masks, mix, weighted_cross_entropy
from .output_levels import main_logits
from .uda_segmentor import UDASegmentor

_WEIGHTINGS = ('fraction', 'confidence')


@MODELS.register_module()
class MeanTeacherSegmentor(UDASegmentor):
    """DACS-style self-training: EMA teacher, confidence-weighted pseudo-labels, ClassMix.

    Each iteration:

    1. the student (``self.segmentor``) takes the supervised loss on the source batch;
    2. the teacher, an EMA copy of the student kept in eval mode and without gradients, labels the
       (unmixed) target batch: ``argmax`` of its softmax, with per-pixel weights ``pseudo_weight``:
       ``'fraction'`` (DACS, default) = the fraction of the batch's target pixels whose confidence
       is at least ``pseudo_threshold``, the same weight for every pixel; ``'confidence'`` = the
       pixel's own max-softmax probability;
    3. ClassMix pastes half of the classes of source image ``i`` (its pixels, from image and label)
       onto target image ``i``; pasted pixels have weight 1;
    4. the student's main output on the mixed images takes a weighted cross-entropy against the
       mixed labels (averaged over all pixels, as DACS), times ``mix_loss_weight``;
    5. one optimizer step on the sum, then the teacher moves towards the student:
       ``teacher = a * teacher + (1 - a) * student`` with ``a = min(1 - 1 / (t + 1), alpha)``, ``t``
       the number of EMA updates so far (the DACS/DAFormer warm-up; the first update copies the
       student). Float buffers (BatchNorm statistics) follow the same rule.

    The teacher is mmengine's averaged model (:class:`~mmseg_da.models.utils.WarmupEMA`): its weights
    are ``teacher.module.*`` and ``t`` is ``teacher.steps`` in checkpoints; checkpoints written before
    (``teacher.*`` and ``ema_iter``) still load.

    "Main output" is the decode head's logits (for PIDNet the I branch); auxiliary heads only see
    the source loss. The teacher has no trainable parameters, so mmengine's
    ``MMSeparateDistributedDataParallel`` leaves it unwrapped; it is saved in checkpoints (for
    resuming) but is not the deployable model (``deployable_segmentor`` returns the student).

    ``train_cfg`` keys: ``alpha`` (0.99), ``pseudo_threshold`` (0.968), ``pseudo_weight``
    (``'fraction'``), ``class_mix`` (True; False trains on the unmixed target images),
    ``mix_loss_weight`` (1.0), ``ignore_index`` (255).

    Args:
        **kwargs: Those of :class:`UDASegmentor` (``segmentor``, ``train_cfg``, ...).
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        cfg = self.train_cfg
        self.alpha = float(cfg.get('alpha', 0.99))
        self.pseudo_threshold = float(cfg.get('pseudo_threshold', 0.968))
        self.pseudo_weight = cfg.get('pseudo_weight', 'fraction')
        self.class_mix = bool(cfg.get('class_mix', True))
        self.mix_loss_weight = float(cfg.get('mix_loss_weight', 1.0))
        self.ignore_index = int(cfg.get('ignore_index', 255))
        if not 0 < self.alpha < 1:
            raise ValueError(f'MeanTeacherSegmentor: train_cfg.alpha must be in (0, 1), got {self.alpha}')
        if not 0 < self.pseudo_threshold < 1:
            raise ValueError('MeanTeacherSegmentor: train_cfg.pseudo_threshold must be in (0, 1), got '
                             f'{self.pseudo_threshold}')
        if self.pseudo_weight not in _WEIGHTINGS:
            raise ValueError(f'MeanTeacherSegmentor: train_cfg.pseudo_weight must be one of {_WEIGHTINGS}, '
                             f'got {self.pseudo_weight!r}')
        # Not a BaseModule: init_weights() skips it; it copies the initialised student before its first use.
        self.teacher = WarmupEMA(self.segmentor, self.alpha)
        self.teacher.eval()

    def train(self, mode: bool = True) -> 'MeanTeacherSegmentor':
        super().train(mode)
        self.teacher.eval()  # the teacher always predicts with its running statistics
        return self

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args, **kwargs) -> None:
        if prefix + 'ema_iter' in state_dict:  # a checkpoint from before the mmengine EMA teacher
            old = prefix + 'teacher.'
            for key in [k for k in state_dict if k.startswith(old)]:
                state_dict[old + 'module.' + key[len(old):]] = state_dict.pop(key)
            state_dict[old + 'steps'] = state_dict.pop(prefix + 'ema_iter')
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    @torch.no_grad()
    def update_teacher(self) -> float:
        """One EMA step of the teacher towards the student; returns the decay used."""
        alpha = self.teacher.alpha
        self.teacher.update_parameters(self.seg_model)
        return alpha

    @torch.no_grad()
    def pseudo_label(self, inputs: Tensor) -> tuple:
        """Teacher labels and per-pixel weights ``(N, H, W)`` for the target ``inputs``."""
        if int(self.teacher.steps) == 0:  # before the first update: the teacher starts as the student
            self.teacher.module.load_state_dict(self.seg_model.state_dict())
        logits = main_logits(self.teacher(inputs, mode='tensor'), self.teacher.module, inputs.shape[2:])
        confidence, labels = torch.softmax(logits.float(), dim=1).max(dim=1)
        if self.pseudo_weight == 'fraction':
            fraction = (confidence >= self.pseudo_threshold).float().mean()
            weights = torch.full_like(confidence, float(fraction))
        else:
            weights = confidence
        return labels, weights, confidence

    def uda_train_step(self, source: dict, target: dict,
                       optim_wrapper: Union[OptimWrapper, OptimWrapperDict]) -> Dict[str, Tensor]:
        optim = self.segmentor_optim_wrapper(optim_wrapper)
        src_img, tgt_img = source['inputs'], target['inputs']
        pl_labels, pl_weights, confidence = self.pseudo_label(tgt_img)
        if self.class_mix:
            src_labels = torch.stack([s.gt_sem_seg.data.squeeze(0) for s in source['data_samples']])
            if src_img.shape[0] != tgt_img.shape[0]:  # pair target i with source i mod N
                pick = torch.arange(tgt_img.shape[0], device=src_img.device) % src_img.shape[0]
                src_img, src_labels = src_img[pick], src_labels[pick]
            masks, _ = class_mix_masks(src_labels, self.ignore_index)
            mixed_img = mix(masks, src_img, tgt_img)
            mixed_labels = mix(masks, src_labels.to(pl_labels.dtype), pl_labels)
            mixed_weights = mix(masks, torch.ones_like(pl_weights), pl_weights)
        else:
            mixed_img, mixed_labels, mixed_weights = tgt_img, pl_labels, pl_weights

        with optim.optim_context(self.segmentor):
            losses = add_prefix(self.segmentor(source['inputs'], source['data_samples'], mode='loss'), 'src')
            logits = main_logits(self.segmentor(mixed_img, mode='tensor'), self.seg_model,
                                 mixed_labels.shape[-2:])
            losses['mix.loss_ce'] = self.mix_loss_weight * weighted_cross_entropy(
                logits, mixed_labels, mixed_weights, self.ignore_index)
        loss, log_vars = self.parse_losses(losses)
        optim.update_params(loss)
        log_vars['mix.pseudo_weight'] = float(pl_weights.mean())
        log_vars['mix.teacher_conf'] = float(confidence.mean())
        log_vars['ema_alpha'] = self.update_teacher()
        return log_vars
