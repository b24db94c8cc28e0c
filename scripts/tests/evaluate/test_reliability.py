"""Expected calibration error (reliability.ece) on hand-computed values."""

import pytest

from mhelp_pipeline.evaluate.reliability import ece


def test_ece_hand_values():
    # two bins: confidences 0.25 (correct 1 of 2) and 0.95 (correct 2 of 2)
    assert ece([0.25, 0.25, 0.95, 0.95], [1, 0, 1, 1], bins=10) == pytest.approx(0.5 * 0.25 + 0.5 * 0.05)
    assert ece([1.0, 1.0], [1, 1], bins=15) == 0.0
