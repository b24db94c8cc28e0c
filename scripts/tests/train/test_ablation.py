"""The ablation's budgets: equal passes over each run's own pool, or equal steps; budget names and run identity."""

import json
import math

from mhelp_pipeline.train.ablation import AblationConfig, _run_config, budget_label, checkpoint_steps, run_steps


def test_epoch_budget_gives_each_run_equal_passes_over_its_own_pool():
    cfg = AblationConfig(epochs=3, batch_size=16)
    assert run_steps(cfg, 13222) == math.ceil(3 * 13222 / 16) == 2480
    assert run_steps(cfg, 6125) == 1149  # ST help_seeking: fewer steps, same passes over its examples
    assert checkpoint_steps(cfg, 160) == [10, 20, 30]  # after each epoch, the last one being the end
    assert checkpoint_steps(AblationConfig(epochs=1.5, batch_size=16), 160) == [10, 15]
    steps_cfg = AblationConfig(steps=400)
    assert run_steps(steps_cfg, 13222) == run_steps(steps_cfg, 10) == 400 and checkpoint_steps(steps_cfg, 10) == [400]


def test_a_budget_is_named_by_what_changes_its_runs_and_reuses_runs_saved_before_new_fields():
    base = AblationConfig(epochs=1)
    weighted = AblationConfig(epochs=1, task_weights=(("causes", 10.0),))
    assert budget_label(base) == "1epochs" and budget_label(AblationConfig(epochs=1, layers=3)) == "1epochs-L3"
    assert budget_label(weighted) == "1epochs-wcauses10"
    # a run's identity: fields at their defaults that did not exist when runs were saved are left out of it
    saved = json.loads(_run_config(base, 0))
    assert "stride" not in saved and "task_weights" not in saved and "all_heads" not in saved
    assert json.loads(_run_config(weighted, 0))["task_weights"] == [["causes", 10.0]]
    assert _run_config(AblationConfig(epochs=1, all_heads=False), 0) == _run_config(base, 0)
