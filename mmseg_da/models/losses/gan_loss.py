"""The GAN objective of output-space adversarial adaptation: vanilla (BCE) or least squares."""
from mmseg.registry import MODELS
from torch import Tensor, nn
from torch.nn import functional as F

#: Domain labels of the discriminator, as AdaptSegNet: it learns source -> 0, target -> 1.
SOURCE_LABEL = 0.0
TARGET_LABEL = 1.0

_TYPES = ('vanilla', 'lsgan')


@MODELS.register_module()
class GANLoss(nn.Module):
    """Loss of discriminator logits against a domain label.

    ``vanilla``: binary cross-entropy with logits (AdaptSegNet); ``lsgan``: mean squared error of the
    raw outputs (LSGAN, Mao et al. 2017; AdaptSegNet's ``--gan LS``). Averaged over all output cells.

    Args:
        gan_type (str): ``'vanilla'`` or ``'lsgan'``. Default: ``'vanilla'``.
        loss_weight (float): Multiplies the loss. Default: 1.0.
    """

    def __init__(self, gan_type: str = 'vanilla', loss_weight: float = 1.0) -> None:
        super().__init__()
        if gan_type not in _TYPES:
            raise ValueError(f'GANLoss: gan_type must be one of {_TYPES}, got {gan_type!r}')
        self.gan_type = gan_type
        self.loss_weight = float(loss_weight)

    def forward(self, logits: Tensor, label: float) -> Tensor:
        """Loss of ``logits`` (any shape) against the constant ``label`` (SOURCE_LABEL or TARGET_LABEL)."""
        target = logits.new_full(logits.shape, float(label))
        if self.gan_type == 'vanilla':
            loss = F.binary_cross_entropy_with_logits(logits.float(), target.float())
        else:
            loss = F.mse_loss(logits.float(), target.float())
        return self.loss_weight * loss

    def predicts_target(self, logits: Tensor) -> Tensor:
        """Boolean map of the cells the discriminator assigns to the target domain."""
        threshold = 0.0 if self.gan_type == 'vanilla' else 0.5 * (SOURCE_LABEL + TARGET_LABEL)
        return logits > threshold

    def accuracy(self, logits: Tensor, label: float) -> Tensor:
        """Fraction of cells of ``logits`` classified as the domain ``label``."""
        says_target = self.predicts_target(logits.detach())
        correct = says_target if label == TARGET_LABEL else ~says_target
        return correct.float().mean()
