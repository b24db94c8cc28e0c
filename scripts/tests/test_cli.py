"""The command line (cli.py): every command of scripts/README.md has its help, each module declares its own
options, and errors name what to fix."""

import pytest

from mhelp_pipeline.cli import COMMANDS, main

# every command with the options scripts/README.md, scripts/test.sh, scripts/gpu_run.sh and package.json use
DOCUMENTED = {
    "build-corpus": ["--no-caps", "--corpus-dir"],
    "train": ["--layers", "--epochs", "--max-minutes", "--seed", "--patience", "--aux-task-weight", "--device",
              "--checkpoint"],
    "distill": ["--student-layers", "--steps", "--alpha", "--device", "--teacher", "--seed", "--aux-task-weight",
                "--corpus-dir", "--run-name", "--no-export", "--no-frontier"],
    "frontier": ["--student-layers"],
    "gpu-transfer": ["pack-base", "select-teacher", "pack-returns", "unpack-returns", "summary"],
    "export": ["--variant", "--checkpoint"],
    "calibrate-on-gold": ["--model", "--version", "--folds", "--compare", "--fp32", "--dry-run"],
    "evidence-scorer": ["--out"],
    "lexical-heads": ["--corpus-dir", "--variants", "--out", "--max-features", "--C"],
    "reference": ["--variant"],
    "gold-cv": ["--folds", "--retrain", "--student-layers", "--steps", "--alpha", "--device", "--teacher", "--seed",
                "--extra", "--only", "--out"],
    "student-sizes": ["--l1-dir", "--extra-gold-cv", "--runs", "--out"],
    "profiles": ["--model", "--folds", "--no-write-models"],
    "evaluate-shipped": [],
    "floors": [],
    "ablation": ["--steps", "--epochs", "--layers", "--device", "--seeds", "--primary-multi-task", "--primary-seeds",
                 "--tasks", "--no-all-heads", "--task-weight"],
    "ship-check": ["--candidate", "--variant", "--against"],
    "aux-heads": [],
    "aux-split": ["--limit"],
    "teacher-spread": ["--checkpoints"],
    "quantisation": ["--model", "--fp32", "--runs", "--runtime", "--work"],
    "export-eval-set": ["--split", "--limit", "--out"],
    "compare-eval": ["--input", "--ts-metrics", "--ts-predictions"],
    "redaction-eval": [],
    "report": [],
    "all": ["--no-caps", "--layers", "--epochs", "--checkpoint", "--variant"],
}


def test_every_command_is_documented_here():
    assert set(DOCUMENTED) == set(COMMANDS) | {"all"}


@pytest.mark.parametrize("command", sorted(DOCUMENTED))
def test_help_of_each_command_lists_its_options(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0 and f"usage: python -m mhelp_pipeline {command}" in out
    for option in DOCUMENTED[command]:
        assert option in out, option


def test_top_level_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0 and all(name in out for name in DOCUMENTED)


def test_options_belong_to_their_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["floors", "--layers", "3"])
    assert exit_.value.code == 2 and "unrecognized arguments: --layers" in capsys.readouterr().err


def test_ship_check_names_a_missing_or_wrong_model_folder(tmp_path, capsys):
    from mhelp_pipeline.core.paths import MODELS

    for argv, says in ((["ship-check"], "needs --candidate"),
                       (["ship-check", "--candidate", str(tmp_path)], "has no model.json"),
                       (["ship-check", "--candidate", str(MODELS / "default"), "--against", str(tmp_path)],
                        "has no model.json")):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2 and says in capsys.readouterr().err
