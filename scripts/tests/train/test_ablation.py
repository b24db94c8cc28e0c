"""The ablation's budgets: equal passes over each run's own pool, or equal steps."""

import math

from mhelp_pipeline.train.ablation import AblationConfig, checkpoint_steps, run_steps


def test_epoch_budget_gives_each_run_equal_passes_over_its_own_pool():
    cfg = AblationConfig(epochs=3, batch_size=16)
    assert run_steps(cfg, 13222) == math.ceil(3 * 13222 / 16) == 2480
    assert run_steps(cfg, 6125) == 1149  # ST help_seeking: fewer steps, same passes over its examples
    assert checkpoint_steps(cfg, 160) == [10, 20, 30]  # after each epoch, the last one being the end
    assert checkpoint_steps(AblationConfig(epochs=1.5, batch_size=16), 160) == [10, 15]
    steps_cfg = AblationConfig(steps=400)
    assert run_steps(steps_cfg, 13222) == run_steps(steps_cfg, 10) == 400 and checkpoint_steps(steps_cfg, 10) == [400]
