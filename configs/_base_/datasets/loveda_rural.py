# LoveDA: train on Rural (source only), validate on Val of both domains (Urban/mIoU, Rural/mIoU).
_base_ = ['./loveda.py']
train_dataloader = dict(dataset=dict(domain='Rural'))
