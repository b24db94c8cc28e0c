"""CLI: python -m mhelp_pipeline build-corpus | train | export | reference | all  (PYTHONPATH=scripts)."""

from __future__ import annotations

import argparse
import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never download weights from a hub


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="mhelp_pipeline")
    ap.add_argument("command", choices=["build-corpus", "train", "export", "reference", "all"])
    ap.add_argument("--layers", type=int, default=None, help="encoder layers to keep (default 3)")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--max-minutes", type=float, default=None)
    ap.add_argument("--variant", default="default")
    args = ap.parse_args(argv)

    steps = ["build-corpus", "train", "export", "reference"] if args.command == "all" else [args.command]
    for step in steps:
        if step == "build-corpus":
            from .corpus import build

            stats = build()
            print(json.dumps({k: v for k, v in stats.items() if k != "config"}, indent=2))
        elif step == "train":
            from dataclasses import replace

            from .train import TrainConfig, train

            cfg = TrainConfig()
            over = {k: v for k, v in {"layers": args.layers, "epochs": args.epochs,
                                      "max_minutes": args.max_minutes}.items() if v is not None}
            train(replace(cfg, **over), log=lambda m: print(m, flush=True))
        elif step == "export":
            from .export import export

            export(variant=args.variant)
        elif step == "reference":
            from .reference import write_parity_fixture

            write_parity_fixture(variant=args.variant)
    return 0


if __name__ == "__main__":
    sys.exit(main())
