# pidnet_s_urban2rural_adv_multi.py with the least-squares GAN objective (MSE on the discriminator outputs) and
# AdaptSegNet's LS-GAN weights (its README: lambda_adv 0.01 on the main output, 0.0002 on the auxiliary one).
# python tools/train.py configs/pidnet_s_urban2rural_adv_multi_lsgan.py
_base_ = ['./pidnet_s_urban2rural_adv_multi.py']
model = dict(gan_loss=dict(gan_type='lsgan'), adv_weights=dict(main=0.01, aux=0.0002))
