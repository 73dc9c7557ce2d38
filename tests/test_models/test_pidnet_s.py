"""PIDNet-S from configs/_base_/models/pidnet_s.py: parameters, outputs, losses, FLOPs, pretrained weights."""
import pytest
import torch
from da_testing.models import MODEL_BASES, batch, build, n_params, params_without_grad, shared
from mmengine.config import Config

from mmseg_da.deploy import count_flops

# mmseg's PIDNet-S with 7 classes; the official one (XuJiacong/PIDNet) has 7,717,839: its two stem
# convolutions (3->32 and 32->32, each followed by BN) carry a bias, 2 x 32 = 64 parameters.
PARAMS = 7_717_775
OFFICIAL_PARAMS = 7_717_839
# fvcore, one 512x512 image, with the P and D heads (the official model is built with augment=True)
OFFICIAL_GFLOPS = 6.317


def test_exact_parameter_count():
    model = shared('pidnet_s')
    assert n_params(model) == PARAMS
    stem_convs = [model.backbone.stem[0].conv, model.backbone.stem[1].conv]
    assert all(conv.bias is None for conv in stem_convs)
    assert PARAMS + sum(conv.out_channels for conv in stem_convs) == OFFICIAL_PARAMS


def test_eval_forward_gives_i_branch_logits_at_one_eighth():
    model = shared('pidnet_s').eval()
    inputs, samples = batch(2, 64)
    with torch.no_grad():
        logits = model(inputs, mode='tensor')
        preds = model(inputs, samples, mode='predict')
    assert logits.shape == (2, 7, 8, 8)
    assert preds[0].pred_sem_seg.data.shape == (1, 64, 64)
    assert preds[0].seg_logits.data.shape == (7, 64, 64)


def test_training_outputs_p_i_and_boundary_logits():
    model = shared('pidnet_s').train()
    inputs, _ = batch(2, 64)
    with torch.no_grad():
        p_logits, i_logits, d_logits = model.decode_head(model.extract_feat(inputs))
    assert p_logits.shape == i_logits.shape == (2, 7, 8, 8)
    assert d_logits.shape == (2, 1, 8, 8)
    model.eval()


@pytest.mark.parametrize('config', ['pidnet_s', 'pidnet_s_ohem'])
def test_one_backward_reaches_every_trainable_parameter(config):
    torch.manual_seed(0)
    model = build(config).train()
    inputs, samples = batch(2, 64, with_edges=True, ignore_fraction=0.2)
    losses = model(inputs, samples, mode='loss')
    assert {'decode.loss_sem_p', 'decode.loss_sem_i', 'decode.loss_bd',
            'decode.loss_sem_bd'} <= set(losses)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    assert params_without_grad(model) == []


def test_flops_match_the_official_figure():
    model = shared('pidnet_s').eval()
    result = count_flops(model, (512, 512), batch=1, table_depth=0)
    with_heads = result['flops_per_image_with_aux_heads'] / 1e9
    assert abs(with_heads - OFFICIAL_GFLOPS) / OFFICIAL_GFLOPS < 0.01, with_heads
    # inference skips exactly the P and D heads: a 3x3 conv 64->128 + a 1x1 128->7, and a 3x3 conv
    # 64->32 + a 1x1 32->1 (multiply-adds at 64x64), plus their four BatchNorms (2 FLOPs per element)
    pixels = 64 * 64
    heads = pixels * (64 * 128 * 9 + 128 * 7 + 64 * 32 * 9 + 32 * 1) + 2 * pixels * (64 + 128 + 64 + 32)
    assert result['flops_per_image_with_aux_heads'] - result['flops_per_image'] == heads


def backbone_checkpoint(model, path, value):
    state = {k[len('backbone.'):]: v.clone() for k, v in model.state_dict().items()
             if k.startswith('backbone.')}
    state['stem.0.conv.weight'].fill_(value)
    torch.save(state, path)


def test_pretrained_backbone_weights_load_from_the_config(tmp_path):
    path = tmp_path / 'pidnet_s_tiny.pth'
    backbone_checkpoint(shared('pidnet_s'), path, 0.125)
    model = build('pidnet_s', {'backbone.init_cfg': dict(type='Pretrained', checkpoint=str(path))})
    model.init_weights()
    assert torch.all(model.backbone.stem[0].conv.weight == 0.125)


def test_a_missing_pretrained_checkpoint_is_named(tmp_path):
    missing = tmp_path / 'nowhere' / 'pidnet-s_imagenet1k.pth'
    model = build('pidnet_s', {'backbone.init_cfg': dict(type='Pretrained', checkpoint=str(missing))})
    with pytest.raises(FileNotFoundError, match='pidnet-s_imagenet1k.pth'):
        model.init_weights()


def test_the_config_names_mmsegs_imagenet_checkpoint():
    cfg = Config.fromfile(str(MODEL_BASES / 'pidnet_s.py'))
    assert cfg.model.backbone.init_cfg == dict(
        type='Pretrained', checkpoint='https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/'
        'pidnet/pidnet-s_imagenet1k_20230306-715e6273.pth')
