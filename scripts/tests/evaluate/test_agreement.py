"""Annotator agreement of the gold set (agreement.py): Fleiss' kappa against Fleiss' (1971) published
example, and the panel, accuracy and majority-rule checks."""


import numpy as np
import pytest

from mhelp_pipeline.data.gold import parse_gold
from mhelp_pipeline.evaluate.agreement import agreement, fleiss_kappa
from tests.records import gold_line


FLEISS_EXAMPLE = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
                  [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]


def test_fleiss_kappa_matches_the_published_example_and_its_bounds():
    assert fleiss_kappa(np.array(FLEISS_EXAMPLE)) == pytest.approx(0.2099, abs=5e-4)
    assert fleiss_kappa(np.array([[3, 0], [0, 3], [3, 0]])) == pytest.approx(1.0)
    assert fleiss_kappa(np.array([[2, 1], [1, 2], [2, 1], [1, 2]])) < 0  # systematic disagreement
    with pytest.raises(ValueError):
        fleiss_kappa(np.array([[3, 0], [1, 1]]))  # raters per subject differ


def test_agreement_counts_the_panel_and_checks_the_majority_rule():
    yes = {"help_seeking": "yes", "condition": "anxiety", "causes": ["school"]}
    no = {"help_seeking": "no", "condition": "none", "causes": []}
    lines = [gold_line(annotators=[yes, yes, no]), gold_line(help_seeking="no", condition="none", causes=[],
                                                      annotators=[no, no, no]),
             gold_line(annotators=[yes, yes])]  # a post rated by two: left out of kappa
    ag = agreement(parse_gold(lines))
    assert ag["panel_size"] == 3 and ag["posts_rated_by_panel"] == 2 and ag["posts_left_out"] == {"2": 1}
    assert ag["majority_matches_gold"] == {"help_seeking": 1.0, "condition": 1.0, "causes": 1.0}
    assert ag["annotator_accuracy_vs_gold"]["help_seeking"] == [1.0, 1.0, 0.5]
    # (no, yes) counts [[1, 2], [3, 0]]: P-bar = (1/3 + 1) / 2 = 2/3, P-e = (4/6)^2 + (2/6)^2 = 5/9
    assert ag["fleiss_kappa"]["help_seeking"] == pytest.approx((2 / 3 - 5 / 9) / (1 - 5 / 9))
    assert ag["fleiss_kappa"]["causes"]["work"] is None  # nobody chose it: kappa undefined, not NaN in JSON
