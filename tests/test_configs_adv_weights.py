"""The adversarial configs use AdaptSegNet's weights, the same for LoveDA, GTA5 and CamVid, and say so."""
from da_testing.configs import CONFIG_FILES, loaded_config

# AdaptSegNet (Tsai et al., CVPR 2018), multi-level: lambda_adv_target2 (main output) 0.001, lambda_adv_target1
# (auxiliary output) 0.0002, the defaults of its train_gta2cityscapes_multi.py, with or without `--gan LS`.
ADAPTSEGNET = dict(main=0.001, aux=0.0002)


def test_every_adversarial_config_uses_adaptsegnets_weights():
    weights, lsgan = {}, set()
    for path in CONFIG_FILES:
        model = loaded_config(path).model
        if model.get('type') != 'AdversarialSegmentor':
            continue
        weights[path.name] = dict(model.adv_weights)
        if model.gan_loss.gan_type == 'lsgan':
            lsgan.add(path.name)
            text = path.read_text()
            if 'adv_weights' in text:  # a config that sets the weights says where they come from
                assert 'AdaptSegNet' in text and '0.001' in text and '0.0002' in text, path.name
    assert any('urban' in n for n in lsgan) and any('gta' in n for n in lsgan)  # LoveDA and GTA5 both compared
    assert {name: w for name, w in weights.items() if w != ADAPTSEGNET} == {}
