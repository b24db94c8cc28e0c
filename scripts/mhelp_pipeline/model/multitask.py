"""The multi-task student: a truncated MiniLM (BERT) encoder, masked mean pooling, one linear head per task.

Pure model code (no training, no I/O beyond loading the pretrained encoder weights): the model, its start
from the pretrained weights (``pretrained_model``) and its logits over an encoded set (``collect_logits``).
The encoder is a small re-implementation of BERT in plain torch (nanoGPT style) rather than transformers'
BertModel: it loads the same safetensors weights, but its graph is fully under our control, which keeps the ONNX export
simple (standard ops only: Gather, MatMul, Softmax, Erf, LayerNormalization) and stable across
transformers versions. Equivalence with transformers' BertModel is checked in the tests.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..core.codebook import Codebook
from ..core.paths import base_model_dir
from .batching import Encoded, make_batch, sequential_batches


@dataclass(frozen=True)
class ModelConfig:
    base: str = "sentence-transformers/all-MiniLM-L6-v2"
    layers: int = 3  # first N of the 6 pretrained layers: speed/size vs accuracy
    hidden: int = 384
    heads: int = 12
    intermediate: int = 1536
    vocab: int = 30522
    max_positions: int = 512
    layer_norm_eps: float = 1e-12
    dropout: float = 0.1
    # Mean pooling over real tokens is what all-MiniLM-L6-v2 was trained with (its 1_Pooling config).
    pooling: str = "mean"
    task_sizes: dict[str, int] = field(default_factory=dict)  # task key -> number of labels

    def to_dict(self) -> dict:
        return asdict(self)


class SelfAttention(nn.Module):
    def __init__(self, c: ModelConfig) -> None:
        super().__init__()
        self.h, self.d = c.heads, c.hidden // c.heads
        self.query = nn.Linear(c.hidden, c.hidden)
        self.key = nn.Linear(c.hidden, c.hidden)
        self.value = nn.Linear(c.hidden, c.hidden)
        self.out = nn.Linear(c.hidden, c.hidden)
        self.drop = nn.Dropout(c.dropout)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        q, k, v = (m(x).view(b, t, self.h, self.d).transpose(1, 2) for m in (self.query, self.key, self.value))
        att = (q @ k.transpose(-1, -2)) / math.sqrt(self.d) + bias  # bias: 0 for tokens, large negative for pads
        att = self.drop(att.softmax(dim=-1))
        y = (att @ v).transpose(1, 2).reshape(b, t, self.h * self.d)
        return self.out(y)


class Layer(nn.Module):
    """Post-LayerNorm transformer block, as in BERT."""

    def __init__(self, c: ModelConfig) -> None:
        super().__init__()
        self.attn = SelfAttention(c)
        self.ln1 = nn.LayerNorm(c.hidden, eps=c.layer_norm_eps)
        self.fc1 = nn.Linear(c.hidden, c.intermediate)
        self.fc2 = nn.Linear(c.intermediate, c.hidden)
        self.ln2 = nn.LayerNorm(c.hidden, eps=c.layer_norm_eps)
        self.drop = nn.Dropout(c.dropout)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        x = self.ln1(x + self.drop(self.attn(x, bias)))
        return self.ln2(x + self.drop(self.fc2(F.gelu(self.fc1(x)))))


class Encoder(nn.Module):
    def __init__(self, c: ModelConfig) -> None:
        super().__init__()
        self.word = nn.Embedding(c.vocab, c.hidden, padding_idx=0)
        self.position = nn.Embedding(c.max_positions, c.hidden)
        # Token type 0 only: the row is a constant added inside the graph (no token_type_ids input).
        self.token_type = nn.Embedding(2, c.hidden)
        self.ln = nn.LayerNorm(c.hidden, eps=c.layer_norm_eps)
        self.drop = nn.Dropout(c.dropout)
        self.layers = nn.ModuleList(Layer(c) for _ in range(c.layers))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        t = input_ids.shape[1]
        pos = torch.arange(t, device=input_ids.device)
        x = self.word(input_ids) + self.position(pos)[None] + self.token_type.weight[0]
        x = self.drop(self.ln(x))
        # Additive attention bias; -1e4 (not -inf/finfo.min) keeps fp16/int8 runtimes free of NaNs.
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
        for layer in self.layers:
            x = layer(x, bias)
        return x


class MultiTaskModel(nn.Module):
    def __init__(self, c: ModelConfig) -> None:
        super().__init__()
        self.config = c
        self.encoder = Encoder(c)
        self.drop = nn.Dropout(c.dropout)
        self.heads = nn.ModuleDict({k: nn.Linear(c.hidden, n) for k, n in c.task_sizes.items()})

    def pool(self, h: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        if self.config.pooling == "cls":
            return h[:, 0]
        m = attention_mask.to(h.dtype)[..., None]
        return (h * m).sum(1) / m.sum(1).clamp(min=1.0)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        pooled = self.drop(self.pool(self.encoder(input_ids, attention_mask), attention_mask))
        return {k: head(pooled) for k, head in self.heads.items()}


def config_for(cb: Codebook, **overrides) -> ModelConfig:
    return ModelConfig(task_sizes={t.key: t.n for t in cb.tasks}, **overrides)


# --- loading pretrained BERT weights --------------------------------------------------------------------

_RENAMES = [
    ("embeddings.word_embeddings", "encoder.word"),
    ("embeddings.position_embeddings", "encoder.position"),
    ("embeddings.token_type_embeddings", "encoder.token_type"),
    ("embeddings.LayerNorm", "encoder.ln"),
    ("attention.self.query", "attn.query"),
    ("attention.self.key", "attn.key"),
    ("attention.self.value", "attn.value"),
    ("attention.output.dense", "attn.out"),
    ("attention.output.LayerNorm", "ln1"),
    ("intermediate.dense", "fc1"),
    ("output.dense", "fc2"),
    ("output.LayerNorm", "ln2"),
]


def pretrained_weight_name(key: str) -> str:
    """Our state-dict name of a Hugging Face BERT weight (``bert.encoder.layer.0.attention.self.query.weight``
    -> ``encoder.layers.0.attn.query.weight``)."""
    key = key.removeprefix("bert.")
    if key.startswith("encoder.layer."):
        key = "encoder.layers." + key[len("encoder.layer.") :]
    for a, b in _RENAMES:
        key = key.replace(a, b)
    return key


def load_pretrained_encoder(model: MultiTaskModel, model_dir: Path) -> None:
    """Copy the first ``layers`` BERT layers (+ embeddings) from a Hugging Face safetensors checkpoint."""
    from safetensors.torch import load_file

    src = load_file(str(Path(model_dir) / "model.safetensors"))
    state = {}
    for k, v in src.items():
        nk = pretrained_weight_name(k)
        if nk.startswith("encoder.layers."):
            if int(nk.split(".")[2]) >= model.config.layers:
                continue  # truncation: drop the upper layers
        if nk.startswith("pooler") or "position_ids" in nk:
            continue
        state[nk] = v
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.startswith("heads.")]
    if missing or unexpected:
        raise RuntimeError(f"weight mapping failed: missing={missing} unexpected={unexpected}")


def pretrained_model(cb: Codebook, layers: int, freeze_word_embeddings: bool) -> MultiTaskModel:
    """A multi-task model with one head per task of `cb`, its encoder loaded from all-MiniLM-L6-v2: the start
    of every training run (trainer.py, ablation.py, distill.py)."""
    model = MultiTaskModel(config_for(cb, layers=layers))
    load_pretrained_encoder(model, base_model_dir())
    if freeze_word_embeddings:
        # the 30k-row table is most of the parameters; freezing it keeps small-data runs from drifting
        model.encoder.word.weight.requires_grad_(False)
    return model


@torch.no_grad()
def collect_logits(model: MultiTaskModel, enc: Encoded, batch_size: int = 64) -> dict[str, np.ndarray]:
    """Logits for every example, in corpus order, on whichever device the model is."""
    model.eval()
    device = str(next(model.parameters()).device)
    out: dict[str, np.ndarray] = {}
    for idx in sequential_batches(enc, batch_size):
        b = make_batch(enc, idx, device)
        logits = model(b["input_ids"], b["attention_mask"])
        for k, v in logits.items():
            if k not in out:
                out[k] = np.zeros((len(enc.ids), v.shape[1]), dtype=np.float32)
            out[k][idx] = v.float().cpu().numpy()
    return out
