"""How numbers are written in reports/*.md tables: three decimals, "–" for missing, "[lo, hi]" intervals."""

from __future__ import annotations

import math


def number(x, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:.{digits}f}"


def interval(c: dict | None) -> str:
    """' [lo, hi]' for a bootstrap_ci / paired_bootstrap result; '' when there is none."""
    return "" if not c else f" [{number(c['ci_low'])}, {number(c['ci_high'])}]"


def signed_interval(d: dict) -> str:
    """'+0.012 [-0.004, +0.030]' for a paired_bootstrap difference."""
    return f"{d['diff']:+.3f} [{d['ci_low']:+.3f}, {d['ci_high']:+.3f}]"
