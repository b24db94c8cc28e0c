"""Shared fixtures. Tests mirror the modules they test (tests/<stage>/test_<module>.py).

The shared data (../shared, or MHELP_SHARED) is present here and in CI: a test that needs it takes the ``raw``
fixture and fails, never skips, when it is missing."""

import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(2)

TEXTS = [
    "I can't stop worrying about my exams. Has anyone got tips for sleeping the night before?",
    "Feeling better this week, thanks to everyone who replied to my last post.",
    "short",
]


@pytest.fixture(scope="session")
def raw() -> Path:
    """The shared raw datasets (paths.RAW); a test that needs them fails when they are missing."""
    from mhelp_pipeline.core.paths import RAW

    if not (RAW / "reddit-subreddits").exists():
        pytest.fail(f"{RAW}/reddit-subreddits is missing: the shared data (../shared or MHELP_SHARED) is needed")
    return RAW


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """A 2-layer model from the pretrained encoder, its fp32 ONNX (m.onnx), a weight-only int8 graph (m8.onnx)
    and the first-window token ids of TEXTS."""
    from mhelp_pipeline.core.codebook import codebook
    from mhelp_pipeline.core.paths import base_model_dir
    from mhelp_pipeline.data.normalise import normalise
    from mhelp_pipeline.export.export import export_onnx
    from mhelp_pipeline.export.quantise import quantise
    from mhelp_pipeline.model.batching import load_tokenizer
    from mhelp_pipeline.model.multitask import MultiTaskModel, config_for, load_pretrained_encoder
    from mhelp_pipeline.runtime.inference import content_windows, wrap

    torch.manual_seed(0)
    d = tmp_path_factory.mktemp("onnx")
    model = MultiTaskModel(config_for(codebook(), layers=2))
    load_pretrained_encoder(model, base_model_dir())
    model.eval()
    export_onnx(model, d / "m.onnx")
    quantise(d / "m.onnx", d / "m8.onnx", "weight_only")
    tok = load_tokenizer(base_model_dir() / "tokenizer.json")
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    ids = [wrap(content_windows(tok.encode(normalise(t), add_special_tokens=False).ids, 128, 32)[0], cls, sep)
           for t in TEXTS]
    return model, d, ids


@pytest.fixture(autouse=True)
def export_tmp_in_tmp_path(tmp_path, monkeypatch):
    """export.py's temporary graphs go to tmp_path, never to build/export/ (a test writes nothing to build/)."""
    from mhelp_pipeline.export import export

    monkeypatch.setattr(export, "EXPORT_TMP", tmp_path / "export-tmp")
