"""The report's int8-method section (report/quantisation.py) from a reports/quantisation.json written for the test."""

from mhelp_pipeline.report.quantisation import quantisation_section


def _q(qualify):
    agree = lambda h, c, k: {"help_seeking": h, "condition": c, "causes": k}  # noqa: E731
    return {"model": "models/default", "version": "9.9.9", "fp32": "build/export/default/model.fp32.onnx",
            "fp32_bytes": 69_000_000, "first_windows": {"silver_dev": 100, "gold_dev": 50}, "target": 0.99,
            "max_time_ratio": 1.25, "would_qualify": qualify, "methods": {
                "dynamic_per_channel": {"bytes": 17_500_000, "is_shipped_graph": True, "meets_target": False,
                                        "node_ms": {"median_ms": 20.0}, "time_ratio_vs_shipped": 1.0,
                                        "same_decision_as_fp32": {"silver_dev": agree(0.988, 0.973, 0.994),
                                                                  "gold_dev": agree(0.99, 0.97, 0.995)}},
                "weight_only": {"bytes": 17_600_000, "is_shipped_graph": False, "meets_target": True,
                                "node_ms": {"median_ms": 44.0}, "time_ratio_vs_shipped": 2.2,
                                "same_decision_as_fp32": {"silver_dev": agree(0.997, 0.995, 0.999),
                                                          "gold_dev": agree(0.998, 0.993, 0.999)}},
                "fp32": {"node_ms": {"median_ms": 50.0}}}}


def test_section_shows_per_head_agreement_time_and_the_rule():
    text = "\n".join(quantisation_section(_q([]), 7))
    assert text.startswith("## 7. int8 method")
    assert "| dynamic_per_channel | yes | 17.5 MB | 20.0 | 1.00× | 98.8 / 97.3 / 99.4 % | 99.0 / 97.0 / 99.5 % | no |" in text
    assert "| weight_only |  | 17.6 MB | 44.0 | 2.20× | 99.7 / 99.5 / 99.9 % | 99.8 / 99.3 / 99.9 % | yes |" in text
    assert "| fp32 (reference) | – | 69.0 MB | 50.0 |" in text
    assert "No candidate meets the target on every head (the shipped one included)" in text
    assert "the shipped method stays" in text
    assert "weight_only (not shipped by this run" in "\n".join(quantisation_section(_q(["weight_only"]), 7))
