"""DomainSegTTAModel: mmseg's view averaging, with the sample's metainfo (its domain) kept."""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch import nn

from mmseg_da.models.segmentors import DomainSegTTAModel


class StubSegmentor(nn.Module):
    """What SegTTAModel needs of a segmentor: ``out_channels`` and ``test_step``."""
    out_channels = 3

    def test_step(self, data):
        return data['data_samples']


def view(logits: torch.Tensor, **metainfo) -> SegDataSample:
    sample = SegDataSample(metainfo=dict(img_path='a.png', ori_shape=(2, 2), **metainfo))
    sample.seg_logits = PixelData(data=logits)
    sample.gt_sem_seg = PixelData(data=torch.zeros(1, 2, 2, dtype=torch.long))
    return sample


def test_merged_prediction_keeps_the_domain_and_averages_the_views():
    up = torch.zeros(3, 2, 2)
    up[1] = 4.0
    # the last view does not carry the domain: mmseg's SegTTAModel would return its metainfo
    views = [view(up, domain='Rural', flip=False), view(torch.zeros(3, 2, 2), flip=True)]
    merged = DomainSegTTAModel(StubSegmentor()).merge_preds([views])
    assert len(merged) == 1
    assert merged[0].metainfo['domain'] == 'Rural'
    assert merged[0].img_path == 'a.png' and merged[0].ori_shape == (2, 2)
    assert torch.equal(merged[0].pred_sem_seg.data, torch.ones(1, 2, 2, dtype=torch.long))
    assert 'gt_sem_seg' in merged[0]


def test_an_adaptation_model_is_refused_with_a_pointer_to_its_segmentor():
    class UDAStub(nn.Module):
        def __init__(self):
            super().__init__()
            self.segmentor = StubSegmentor()

        def test_step(self, data):
            return self.segmentor.test_step(data)

    with pytest.raises(TypeError, match='UDAStub.*segmentor'):
        DomainSegTTAModel(UDAStub())
