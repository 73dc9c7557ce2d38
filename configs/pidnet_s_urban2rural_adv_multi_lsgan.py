# pidnet_s_urban2rural_adv_multi.py with the least-squares GAN objective (MSE on the discriminator outputs).
# LSGAN weights, the same in every *_lsgan config: AdaptSegNet's multi-level recipe, lambda_adv 0.001 on the main
# output and 0.0002 on the auxiliary one (lambda_adv_target2/target1, the defaults of its
# train_gta2cityscapes_multi.py, which its `--gan LS` option keeps; DAFormer's AdvSeg LS baseline uses them too).
# AdaptSegNet's README gives main 0.01 only for its single-level LS-GAN run (no auxiliary level).
# python tools/train.py configs/pidnet_s_urban2rural_adv_multi_lsgan.py
_base_ = ['./pidnet_s_urban2rural_adv_multi.py']
model = dict(gan_loss=dict(gan_type='lsgan'), adv_weights=dict(main=0.001, aux=0.0002))
