"""The one model class that knows about two domains at training time."""
from typing import Any, Callable, Dict, Optional, Union

from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig, SampleList
from torch import Tensor, nn

from mmseg_da.models.utils.deployable import deployable_segmentor


@MODELS.register_module()
class UDASegmentor(BaseModel):
    """Base of the domain-adaptation segmentors: an ordinary mmseg segmentor plus a training rule.

    It builds ``segmentor`` (any mmseg segmentor, with its own ``data_preprocessor``), runs that data
    preprocessor on the ``source`` and ``target`` branches of a UDA batch and hands both to
    :meth:`uda_train_step`, the training step's template: subclasses supply its losses and the work before
    and after the optimizer update. Everything after training, ``predict``, ``val_step``, ``test_step`` and
    ``forward(mode='tensor')``, is delegated to the wrapped segmentor, so evaluation, FLOPs, latency and
    export see exactly the deployable model.

    Args:
        segmentor (dict): Config of the mmseg segmentor to adapt.
        train_cfg (dict, optional): Method-specific training options, kept as ``self.train_cfg``.
        data_preprocessor (dict, optional): Unused by the branches (each goes through the segmentor's
            own preprocessor); accepted so that configs inheriting mmseg bases stay valid.
        init_cfg (dict, optional): Initialisation config.
        pretrained (None): Accepted (and must be None) because mmseg's ``init_model`` sets
            ``model.pretrained = None`` on any config; pretrained weights go in the segmentor's config.
    """

    def __init__(self,
                 segmentor: ConfigType,
                 train_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None,
                 pretrained: Optional[str] = None) -> None:
        if pretrained is not None:
            raise ValueError(f'{type(self).__name__}: put pretrained weights in the segmentor config '
                             f'(segmentor.backbone.init_cfg), got pretrained={pretrained!r}')
        super().__init__(data_preprocessor=None, init_cfg=init_cfg)
        self.segmentor = MODELS.build(segmentor)
        self.train_cfg = dict(train_cfg or {})

    # -- the deployable model ------------------------------------------------------------------------
    @property
    def seg_model(self) -> nn.Module:
        """The wrapped segmentor, without any DDP wrapper around it."""
        return deployable_segmentor(self.segmentor)

    @property
    def dataset_meta(self) -> Optional[dict]:
        return getattr(self.seg_model, 'dataset_meta', None)

    @dataset_meta.setter
    def dataset_meta(self, value: dict) -> None:
        self.seg_model.dataset_meta = value

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[SampleList] = None,
                mode: str = 'tensor') -> Union[Dict[str, Tensor], SampleList, Tensor]:
        """Delegate to the wrapped segmentor ('loss' is the source-only supervised loss)."""
        return self.segmentor(inputs, data_samples, mode=mode)

    def val_step(self, data: Union[dict, tuple, list]) -> list:
        return self.segmentor.val_step(data)

    def test_step(self, data: Union[dict, tuple, list]) -> list:
        return self.segmentor.test_step(data)

    # -- training ------------------------------------------------------------------------------------
    def preprocess_branch(self, branch: dict) -> dict:
        """Run the segmentor's data preprocessor (training mode) on one branch of a UDA batch."""
        return self.seg_model.data_preprocessor(branch, True)

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: Union[OptimWrapper, OptimWrapperDict]) -> Dict[str, Tensor]:
        if not (isinstance(data, dict) and 'source' in data and 'target' in data):
            raise TypeError(
                f'{type(self).__name__} trains on UDA batches, dicts with "source" and "target" branches '
                f'(wrap the training set in `UDADataset(source=..., target=...)`); got '
                f'{type(data).__name__} with keys {list(data) if isinstance(data, dict) else "-"}.')
        source = self.preprocess_branch(data['source'])
        target = self.preprocess_branch(data['target'])
        return self.uda_train_step(source, target, optim_wrapper)

    def uda_train_step(self, source: dict, target: dict,
                       optim_wrapper: Union[OptimWrapper, OptimWrapperDict]) -> Dict[str, Tensor]:
        """One training iteration on preprocessed branches (the template); returns the values to log.

        ``source`` and ``target`` are ``dict(inputs=Tensor, data_samples=list)``; the target's data samples
        carry no ground truth. The steps, each a method subclasses may override:

        1. :meth:`prepare_step`, outside the optimizer's context (no autocast): e.g. pseudo-labels;
        2. :meth:`uda_losses` inside it, then one :meth:`update_segmentor` on their sum;
        3. :meth:`after_update`: e.g. the EMA teacher's update; its values join the log.

        The defaults are source-only training (the target is ignored).
        """
        optim = self.segmentor_optim_wrapper(optim_wrapper)
        step = self.prepare_step(source, target)
        log_vars = self.update_segmentor(optim, lambda: self.uda_losses(source, target, step))
        log_vars.update(self.after_update(source, target, step))
        return log_vars

    def update_segmentor(self, optim: OptimWrapper, compute_losses: Callable[[], Dict[str, Tensor]]
                         ) -> Dict[str, Tensor]:
        """The optimizer block: ``compute_losses()`` in the optimizer's context, one update on their sum.

        Returns:
            dict: The parsed losses (``loss`` first) to log.
        """
        with optim.optim_context(self.segmentor):
            losses = compute_losses()
        loss, log_vars = self.parse_losses(losses)
        optim.update_params(loss)
        return log_vars

    def prepare_step(self, source: dict, target: dict) -> Dict[str, Any]:
        """Work of the step before its losses, outside the optimizer's context; passed on as ``step``."""
        return {}

    def uda_losses(self, source: dict, target: dict, step: Dict[str, Any]) -> Dict[str, Tensor]:
        """The step's losses (mmseg's ``loss`` dict), computed in the optimizer's context.

        ``step`` is what :meth:`prepare_step` returned; entries added to it reach :meth:`after_update`.
        """
        return self.segmentor(source['inputs'], source['data_samples'], mode='loss')

    def after_update(self, source: dict, target: dict, step: Dict[str, Any]) -> Dict[str, float]:
        """Work of the step after the optimizer update; returns further values to log."""
        return {}

    @staticmethod
    def segmentor_optim_wrapper(optim_wrapper: Union[OptimWrapper, OptimWrapperDict]) -> OptimWrapper:
        """The optimizer wrapper of the segmentor, from a plain wrapper or a dict keyed by submodule."""
        if isinstance(optim_wrapper, OptimWrapperDict):
            return optim_wrapper['segmentor']
        return optim_wrapper
