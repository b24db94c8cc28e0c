"""onnxruntime-web (WASM) as the pipeline's ONNX runtime, through scripts/ort_web_runner.mjs under Node.

Why: the shipped graphs are dynamically quantised (quantise.py). DynamicQuantizeLinear rounds a few
activations differently in native x86 onnxruntime than in the WASM build (measured: 1 of 13,440 values
off by one step in a 35-token window), and one activation scale per tensor spreads that through the next
layers: logits then differ by up to ~0.3. The Worker and the CLI run the WASM build, so calibration,
evaluation and the parity fixture use it too; the result is bit-identical to the engine's arithmetic.

``OrtWebSession`` mimics the part of ``onnxruntime.InferenceSession`` the pipeline uses (``run`` on one
window of shape [1, n], ``get_outputs``). One Node process per session, one JSON line per window.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.paths import REPO

RUNNER = REPO / "scripts" / "ort_web_runner.mjs"


@dataclass(frozen=True)
class _Output:
    name: str


class OrtWebSession:
    def __init__(self, onnx_path: Path, node: str | None = None) -> None:
        node = node or shutil.which("node")
        if not node:
            raise RuntimeError("Node.js is needed to run onnxruntime-web (the runtime the Worker serves with); "
                               "install Node >= 20 and run `npm ci` in the repository root")
        if not (REPO / "node_modules" / "onnxruntime-web").exists():
            raise RuntimeError("node_modules/onnxruntime-web is missing: run `npm ci` in the repository root")
        self._proc = subprocess.Popen([node, str(RUNNER), str(onnx_path)], cwd=REPO, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True, bufsize=1)
        first = json.loads(self._readline())
        self._names = list(first["outputs"])

    def _readline(self) -> str:
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"scripts/ort_web_runner.mjs exited with code {self._proc.poll()}")
        return line

    def get_outputs(self) -> list[_Output]:
        return [_Output(n) for n in self._names]

    def run(self, names: list[str] | None, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        ids = np.asarray(feeds["input_ids"])
        if ids.shape[0] != 1 or not np.all(np.asarray(feeds["attention_mask"]) == 1):
            raise ValueError("OrtWebSession runs one unpadded window at a time (shape [1, n], mask all ones)")
        self._proc.stdin.write(json.dumps({"ids": ids[0].tolist()}) + "\n")
        self._proc.stdin.flush()
        reply = json.loads(self._readline())
        if "error" in reply:
            raise RuntimeError(f"onnxruntime-web: {reply['error']}")
        return [np.asarray([reply["logits"][n]], dtype=np.float32) for n in (names or self._names)]

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.stdin.close()
            self._proc.wait(timeout=30)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing left to clean up reliably
            pass
