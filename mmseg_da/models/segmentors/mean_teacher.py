"""Online self-training with a mean teacher and ClassMix (DACS, Tranheden et al., WACV 2021), optionally with
MIC's masked image consistency (Hoyer et al., CVPR 2023)."""
import contextlib
from typing import Any, Dict

import torch
from mmseg.registry import MODELS
from mmseg.utils import add_prefix
from torch import Tensor

from ..losses import weighted_cross_entropy
from ..utils import WarmupEMA, class_mix_masks, mix
from ..utils.batch_norm import batch_statistics
from ..utils.masking import mask_block_size, masked_images, resize_factor
from ..utils.output_levels import main_logits
from ..utils.strong_augment import strong_augment
from ..utils.uda_options import MICOptions, StrongAugOptions
from .uda_segmentor import UDASegmentor

_WEIGHTINGS = ('fraction', 'confidence')
_TEACHER_BN = ('eval', 'train')


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
    4b. optionally (``strong_aug``, DACS as published) the mixed image gets DACS's strong augmentation
       first (colour jitter, Gaussian blur; :mod:`~mmseg_da.models.utils.strong_augment`), the labels not;
    4c. optionally (``mic``, masked image consistency) the student also predicts the target image with
       random square patches masked out (a fraction ``mask_ratio`` of them; ``block_size`` MIC's 64 px at full
       resolution times the target images' resize factor, their ``scale_factor``, unless given), strongly
       augmented as the mixed image when ``strong_aug`` is on, and takes the weighted cross-entropy against
       the teacher's pseudo-labels of the unmasked image and their weights, times ``loss_weight``; the
       student's BatchNorms normalise the masked batch with its own statistics but, unless
       ``update_bn_stats``, do not add them to their running ones: mostly blank images are never deployed;
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
    ``mix_loss_weight`` (1.0), ``ignore_index`` (255), ``teacher_bn`` (``'eval'``: the teacher normalises
    with its running statistics; ``'train'``: with the target batch's statistics, as DACS/DAFormer whose
    teacher predicts in train mode; its running statistics are not changed by that), ``strong_aug`` and
    ``mic`` (None: off; True: the defaults; or a dict of some of the options, see
    :class:`~mmseg_da.models.utils.uda_options.StrongAugOptions` and
    :class:`~mmseg_da.models.utils.uda_options.MICOptions`).

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
        self.teacher_bn = cfg.get('teacher_bn', 'eval')
        self.strong_aug = StrongAugOptions.from_cfg(cfg.get('strong_aug'))
        self.mic = MICOptions.from_cfg(cfg.get('mic'))
        if self.teacher_bn not in _TEACHER_BN:
            raise ValueError(f'MeanTeacherSegmentor: train_cfg.teacher_bn must be one of {_TEACHER_BN}, '
                             f'got {self.teacher_bn!r}')
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
    def augment(self, inputs: Tensor) -> Tensor:
        """DACS's strong augmentation of normalised inputs when ``strong_aug`` is on, else ``inputs``."""
        if self.strong_aug is None:
            return inputs
        pre = self.seg_model.data_preprocessor
        if not getattr(pre, '_enable_normalize', False):
            raise ValueError('MeanTeacherSegmentor: train_cfg.strong_aug needs the segmentor\'s data_preprocessor '
                             'to normalise (mean and std set), to recover the image colours')
        return strong_augment(inputs, pre.mean.flatten().tolist(), pre.std.flatten().tolist(),
                              strength=self.strong_aug.color_jitter_strength,
                              skip_below=self.strong_aug.color_jitter_p, blur=self.strong_aug.blur)

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
        with batch_statistics(self.teacher.module) if self.teacher_bn == 'train' else contextlib.nullcontext():
            logits = main_logits(self.teacher(inputs, mode='tensor'), self.teacher.module, inputs.shape[2:])
        confidence, labels = torch.softmax(logits.float(), dim=1).max(dim=1)
        if self.pseudo_weight == 'fraction':
            fraction = (confidence >= self.pseudo_threshold).float().mean()
            weights = torch.full_like(confidence, float(fraction))
        else:
            weights = confidence
        return labels, weights, confidence

    def prepare_step(self, source: dict, target: dict) -> Dict[str, Any]:
        """The teacher's pseudo-labels of the target and the (augmented) mixed batch."""
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
        return dict(pl_labels=pl_labels, pl_weights=pl_weights, confidence=confidence,
                    mixed_img=self.augment(mixed_img), mixed_labels=mixed_labels, mixed_weights=mixed_weights)

    def uda_losses(self, source: dict, target: dict, step: Dict[str, Any]) -> Dict[str, Tensor]:
        losses = add_prefix(self.segmentor(source['inputs'], source['data_samples'], mode='loss'), 'src')
        mixed_labels = step['mixed_labels']
        logits = main_logits(self.segmentor(step['mixed_img'], mode='tensor'), self.seg_model, mixed_labels.shape[-2:])
        losses['mix.loss_ce'] = self.mix_loss_weight * weighted_cross_entropy(
            logits, mixed_labels, step['mixed_weights'], self.ignore_index)
        if self.mic is not None:
            losses['mic.loss_ce'] = self.mic_loss(target, step['pl_labels'], step['pl_weights'])
        return losses

    def mic_loss(self, target: dict, pl_labels: Tensor, pl_weights: Tensor) -> Tensor:
        """The student's weighted cross-entropy on the masked (augmented) target against the pseudo-labels."""
        block = mask_block_size(resize_factor(target.get('data_samples')), self.mic.block_size)
        masked = masked_images(self.augment(target['inputs']), block, self.mic.mask_ratio)
        keep_stats = contextlib.nullcontext() if self.mic.update_bn_stats else batch_statistics(self.seg_model)
        with keep_stats:
            outputs = self.segmentor(masked, mode='tensor')
        logits = main_logits(outputs, self.seg_model, pl_labels.shape[-2:])
        return self.mic.loss_weight * weighted_cross_entropy(logits, pl_labels, pl_weights, self.ignore_index)

    def after_update(self, source: dict, target: dict, step: Dict[str, Any]) -> Dict[str, float]:
        return {'mix.pseudo_weight': float(step['pl_weights'].mean()),
                'mix.teacher_conf': float(step['confidence'].mean()),
                'ema_alpha': self.update_teacher()}
