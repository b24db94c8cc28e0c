"""PNG figures of the model report (matplotlib, Agg backend, no timestamps in the files)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

_META = {"Software": None}  # keep PNGs free of version strings so regenerating does not churn them


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def reliability_diagram(series: dict[str, list[dict]], path: Path, title: str) -> None:
    """series: name -> bins ({confidence, accuracy, n}) as reliability.reliability_bins returns them."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.8, 4.6), dpi=110)
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="perfect calibration")
    for (name, bins), marker in zip(series.items(), "os^"):
        ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], marker=marker, ms=4, lw=1.3,
                label=name)
    ax.set_xlabel("predicted p(yes)")
    ax.set_ylabel("observed share of 'yes' (weak labels)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, metadata=_META)
    plt.close(fig)


def confusion_matrix(cm: list[list[int]], labels: list[str], path: Path, title: str) -> None:
    """Rows = weak label, columns = prediction; colour = row share, text = count. Empty rows/cols dropped."""
    plt = _plt()
    m = np.asarray(cm)
    keep = [i for i in range(len(labels)) if m[i].sum() or m[:, i].sum()]
    m = m[np.ix_(keep, keep)]
    names = [labels[i] for i in keep]
    share = m / np.maximum(m.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6.4, 5.6), dpi=110)
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(names)):
        for j in range(len(names)):
            if m[i, j]:
                ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if share[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("weak label")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, metadata=_META)
    plt.close(fig)
