"""Our BERT re-implementation equals transformers' BertModel on the pretrained weights; every head has the
codebook's size."""

import pytest
import torch

from mhelp_pipeline.core.codebook import codebook
from mhelp_pipeline.core.paths import base_model_dir
from mhelp_pipeline.model.multitask import MultiTaskModel, config_for, load_pretrained_encoder


def test_encoder_matches_transformers_bert():
    transformers = pytest.importorskip("transformers")
    ours = MultiTaskModel(config_for(codebook(), layers=6))
    load_pretrained_encoder(ours, base_model_dir())
    ours.eval()
    ref = transformers.BertModel.from_pretrained(str(base_model_dir())).eval()
    ids = torch.tensor([[101, 1045, 2514, 2091, 2651, 102, 0, 0], [101, 2129, 2079, 1045, 2424, 1037, 7155, 102]])
    mask = (ids != 0).long()
    with torch.no_grad():
        a = ours.encoder(ids, mask)
        b = ref(input_ids=ids, attention_mask=mask).last_hidden_state
    assert torch.allclose(a[mask.bool()], b[mask.bool()], atol=1e-4)


def test_forward_returns_every_head_with_codebook_sizes():
    cb = codebook()
    m = MultiTaskModel(config_for(cb, layers=1)).eval()
    out = m(torch.tensor([[101, 2000, 102]]), torch.tensor([[1, 1, 1]]))
    assert {k: v.shape[1] for k, v in out.items()} == {t.key: t.n for t in cb.tasks}
