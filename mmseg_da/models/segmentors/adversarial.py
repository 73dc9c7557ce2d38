"""Output-space adversarial adaptation (AdaptSegNet, Tsai et al., CVPR 2018) for mmseg segmentors."""
import contextlib
from typing import Dict, Iterator, Mapping, Optional, Sequence, Tuple, Union

import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig
from torch import Tensor, nn

from ..discriminators import MultiLevelDiscriminator  # noqa: F401  (built by type name below)
from ..losses.gan_loss import SOURCE_LABEL, TARGET_LABEL
from ..utils.output_levels import HeadOutputs, OutputLevels, head_align_corners
from .uda_segmentor import UDASegmentor

DEFAULT_ADV_WEIGHTS = {'main': 0.001, 'aux': 0.0002}  # AdaptSegNet's lambda_adv1 / lambda_adv2


@contextlib.contextmanager
def frozen(module: nn.Module) -> Iterator[None]:
    """Switch off ``requires_grad`` of ``module``'s parameters for the block, then restore it."""
    params = [p for p in module.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)


def no_sync(module: nn.Module):
    """``module.no_sync()`` under DDP (accumulate gradients locally), else a null context."""
    return module.no_sync() if hasattr(module, 'no_sync') else contextlib.nullcontext()


@MODELS.register_module()
class AdversarialSegmentor(UDASegmentor):
    """AdaptSegNet: a segmentor and a discriminator per output level, trained against each other.

    Each iteration (``uda_train_step``):

    (a) **segmentor step**, discriminators frozen (``requires_grad`` off): the supervised loss of the
        source batch plus, for every level ``l``, ``adv_weights[l] * GAN(D_l(softmax(out_l(target))),
        source)``, i.e. the target outputs are pushed to look like source outputs to the discriminators;
    (b) **discriminator step** on the *detached* softmax outputs of both batches: source labelled
        0, target 1; the loss of each level is the mean of its source and target terms.

    Under ``MMSeparateDistributedDataParallel`` the segmentor and the discriminators are separate DDP
    modules and every DDP forward is paired with its own backward: the target pass (adversarial loss)
    runs and back-propagates first inside ``no_sync()`` (its gradients, which reach only the parts of
    the network that produce the judged levels, are accumulated locally), then the source pass
    (supervised loss, which reaches every parameter) back-propagates with synchronisation, which
    all-reduces the sum of both; one optimizer step follows. As AdaptSegNet, only one pass's graph is
    alive at a time. The frozen discriminators of step (a) are called without their DDP wrapper (they
    get no gradient); step (b) judges both domains in one DDP forward. The optimizer wrappers are
    ``optim_wrapper['segmentor']`` and ``optim_wrapper['discriminator']`` (see
    ``UDAOptimWrapperConstructor``); with ``AmpOptimWrapper`` each pass runs under autocast.

    Args:
        segmentor (dict): The mmseg segmentor to adapt (an ``EncoderDecoder``).
        discriminator (dict): Config of each level's discriminator; ``in_channels`` defaults to the
            level's number of classes and must equal it if given. Default: ``FCDiscriminator``.
        gan_loss (dict): The GAN objective, ``dict(type='GANLoss', gan_type='vanilla'|'lsgan')``.
        levels (Sequence[str]): The judged outputs: ``('main',)`` (single-level) or
            ``('main', 'aux')`` (multi-level); see :mod:`mmseg_da.models.utils.output_levels`.
        adv_weights (Mapping[str, float]): Adversarial loss weight per level. Default: AdaptSegNet's
            0.001 (main) and 0.0002 (aux).
        disc_input_scale (float | str): Resolution of the softmax the discriminators judge: a factor
            on the head's logits (1.0: as they are, e.g. 1/8 of the input for PIDNet and DeepLabV2,
            the cheap default), or ``'input'``: resized to the input image, as AdaptSegNet (about as
            costly as PIDNet-S itself per level).
        train_cfg (dict, optional): Kept as ``self.train_cfg``.
        data_preprocessor (dict, optional): Unused (each branch uses the segmentor's own).
        init_cfg (dict, optional): Initialisation config.
        pretrained (None): Must be None (see :class:`UDASegmentor`).
    """

    def __init__(self,
                 segmentor: ConfigType,
                 discriminator: ConfigType = dict(type='FCDiscriminator'),
                 gan_loss: ConfigType = dict(type='GANLoss', gan_type='vanilla'),
                 levels: Sequence[str] = ('main', ),
                 adv_weights: Optional[Mapping[str, float]] = None,
                 disc_input_scale: Union[float, str] = 1.0,
                 train_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None,
                 pretrained: Optional[str] = None) -> None:
        super().__init__(segmentor, train_cfg, data_preprocessor, init_cfg, pretrained)
        self.output_levels = OutputLevels(self.seg_model)
        self.levels = self.output_levels.check(levels, 'levels')
        weights = dict(DEFAULT_ADV_WEIGHTS if adv_weights is None else adv_weights)
        missing = [lv for lv in self.levels if lv not in weights]
        if missing:
            raise ValueError(f'adv_weights={weights!r} has no weight for the levels {missing}')
        self.adv_weights = {lv: float(weights[lv]) for lv in self.levels}
        if not (disc_input_scale == 'input' or (isinstance(disc_input_scale, (int, float))
                                                and not isinstance(disc_input_scale, bool)
                                                and disc_input_scale > 0)):
            raise ValueError(f"disc_input_scale must be a positive number or 'input', "
                             f'got {disc_input_scale!r}')
        self.disc_input_scale = disc_input_scale
        if not isinstance(discriminator, Mapping) or 'type' not in discriminator:
            raise ValueError(f'discriminator must be a config dict with a type, got {discriminator!r}')
        self.discriminator = MODELS.build(
            dict(type='MultiLevelDiscriminator', discriminator=discriminator,
                 in_channels={lv: self.output_levels.channels[lv] for lv in self.levels}))
        self.gan_loss = MODELS.build(gan_loss)

    # -- helpers -----------------------------------------------------------------------------------
    @property
    def disc_model(self) -> nn.Module:
        """The discriminators without any DDP wrapper around them."""
        disc = self.discriminator
        return disc.module if hasattr(disc, 'module') else disc

    def disc_inputs(self, outputs: HeadOutputs, input_size: Tuple[int, int],
                    detach: bool = False) -> Dict[str, Tensor]:
        """Softmax of every judged level, at the discriminators' resolution."""
        align_corners = head_align_corners(self.seg_model)
        probs = {}
        for level in self.levels:
            logits = self.output_levels.select(outputs, level)
            if self.disc_input_scale == 'input':
                size = tuple(input_size)
            else:
                size = tuple(max(1, round(s * self.disc_input_scale)) for s in logits.shape[2:])
            logits = self.output_levels.logits(outputs, level, size, align_corners)
            if detach:
                logits = logits.detach()
            probs[level] = logits.float().softmax(dim=1)
        return probs

    @staticmethod
    def optim_wrappers(optim_wrapper: Union[OptimWrapper, OptimWrapperDict]
                       ) -> Tuple[OptimWrapper, OptimWrapper]:
        """``(segmentor, discriminator)`` wrappers, or a clear error naming the config field."""
        if not isinstance(optim_wrapper, OptimWrapperDict) or not {'segmentor', 'discriminator'} <= set(
                optim_wrapper.keys()):
            got = list(optim_wrapper.keys()) if isinstance(optim_wrapper, OptimWrapperDict) else type(
                optim_wrapper).__name__
            raise TypeError(
                "AdversarialSegmentor needs optim_wrapper=dict(constructor='UDAOptimWrapperConstructor', "
                f'segmentor=dict(optimizer=...), discriminator=dict(optimizer=...)), got {got}')
        for name in ('segmentor', 'discriminator'):
            counts = getattr(optim_wrapper[name], '_accumulative_counts', 1)
            if counts != 1:
                raise ValueError(f'optim_wrapper.{name}.accumulative_counts={counts}: gradient '
                                 f'accumulation is not supported by AdversarialSegmentor')
        return optim_wrapper['segmentor'], optim_wrapper['discriminator']

    def _check_ddp(self) -> None:
        if self.output_levels.with_auxiliary_head and getattr(self.segmentor, 'find_unused_parameters',
                                                              False):
            raise ValueError(
                'find_unused_parameters=True is not supported with an auxiliary_head (its logits are '
                'computed from features captured during the DDP forward, outside its outputs); every '
                'parameter receives a gradient from the source loss, so leave it False')

    # -- training ----------------------------------------------------------------------------------
    def uda_train_step(self, source: dict, target: dict,
                       optim_wrapper: Union[OptimWrapper, OptimWrapperDict]) -> Dict[str, Tensor]:
        seg_optim, disc_optim = self.optim_wrappers(optim_wrapper)
        self._check_ddp()
        log_vars, src_probs, tgt_probs = self.segmentor_step(source, target, seg_optim)
        log_vars.update(self.discriminator_step(src_probs, tgt_probs, disc_optim))
        return log_vars

    def segmentor_step(self, source: dict, target: dict, optim: OptimWrapper
                       ) -> Tuple[Dict[str, Tensor], Dict[str, Tensor], Dict[str, Tensor]]:
        """Step (a); returns the values to log and the detached softmax inputs of step (b)."""
        tgt_inputs = target['inputs']
        with frozen(self.disc_model):
            # Target first, accumulated locally; see the class docstring for why this order.
            with no_sync(self.segmentor):
                with optim.optim_context(self.segmentor):
                    tgt_out = self.output_levels.forward(self.segmentor, self.seg_model, tgt_inputs)
                    probs = self.disc_inputs(tgt_out, tgt_inputs.shape[2:])
                    judged = {lv: self.disc_model[lv](p) for lv, p in probs.items()}
                    adv_losses = {f'adv.loss_{lv}': self.adv_weights[lv] * self.gan_loss(d, SOURCE_LABEL)
                                  for lv, d in judged.items()}
                adv_loss = sum(adv_losses.values())
                optim.backward(adv_loss)
            tgt_probs = {lv: p.detach() for lv, p in probs.items()}
            del tgt_out, probs, judged

            src_inputs = source['inputs']
            src_out: Dict[str, HeadOutputs] = {}

            def source_losses() -> Dict[str, Tensor]:
                src_out['levels'] = self.output_levels.forward(self.segmentor, self.seg_model, src_inputs)
                return self.output_levels.loss(self.seg_model, src_out['levels'], source['data_samples'])

            log_vars = self.update_segmentor(optim, source_losses)
            src_probs = self.disc_inputs(src_out['levels'], src_inputs.shape[2:], detach=True)

        log_vars = {k: v.detach() for k, v in log_vars.items()}
        log_vars['loss'] = log_vars['loss'] + adv_loss.detach()
        log_vars.update({k: v.detach() for k, v in adv_losses.items()})
        return log_vars, src_probs, tgt_probs

    def discriminator_step(self, src_probs: Dict[str, Tensor], tgt_probs: Dict[str, Tensor],
                           optim: OptimWrapper) -> Dict[str, Tensor]:
        """Step (b) on detached softmax outputs; returns ``disc.loss_<level>`` and ``disc.acc_<level>``."""
        with optim.optim_context(self.discriminator):
            src_judged, tgt_judged = self.discriminator(src_probs, tgt_probs)
            losses = {
                f'disc.loss_{lv}': 0.5 * (self.gan_loss(src_judged[lv], SOURCE_LABEL) +
                                          self.gan_loss(tgt_judged[lv], TARGET_LABEL))
                for lv in self.levels
            }
        optim.update_params(sum(losses.values()))
        log_vars = {k: v.detach() for k, v in losses.items()}
        with torch.no_grad():
            for lv in self.levels:
                acc = 0.5 * (self.gan_loss.accuracy(src_judged[lv], SOURCE_LABEL) +
                             self.gan_loss.accuracy(tgt_judged[lv], TARGET_LABEL))
                log_vars[f'disc.acc_{lv}'] = acc
        return log_vars
