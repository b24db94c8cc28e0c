"""What a training run's wall-clock time was measured on (the reports compare CPU and GPU training times)."""

from __future__ import annotations

import os


def hardware(device: str, threads: int) -> str:
    """This machine, as a run records it: the GPU's name, or the CPU threads used of those present."""
    if device.startswith("cuda"):
        import torch

        return torch.cuda.get_device_name(0)
    return f"CPU, {threads} of {os.cpu_count()} threads"


def recorded_hardware(summary: dict, threads: int | None = None) -> str:
    """A run's ``hardware`` as recorded. Runs from before it was recorded all ran on this project's CPU machine;
    they get the threads their config asked for (the core count was not recorded), one label everywhere."""
    if summary.get("hardware"):
        return summary["hardware"]
    n = threads if threads is not None else summary.get("train_config", {}).get("threads", 2)
    return f"CPU, {n} threads"
