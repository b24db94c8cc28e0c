"""Where things live: the students' folder naming rule and the shipped students' teacher."""

import pytest

from mhelp_pipeline.core import paths
from mhelp_pipeline.core.paths import STUDENTS_DIR, is_reseed, student_dir


def test_a_named_recipe_variant_never_shares_the_measured_students_folder():
    # frontier.py and the report read build/students/L<n>; a variant (--run-name) must not overwrite it
    assert student_dir(3) == STUDENTS_DIR / "L3"
    assert student_dir(3, 1) == STUDENTS_DIR / "L3-seed1"
    assert student_dir(3, 0, "steps3000") == STUDENTS_DIR / "L3-steps3000"
    assert student_dir(3, 2, "steps3000") == STUDENTS_DIR / "L3-steps3000-seed2"
    assert is_reseed(student_dir(3, 1).name) and not is_reseed(student_dir(3, 2, "steps3000").name)
    assert not is_reseed(student_dir(3).name)
    for bad in ("../x", "A", "", "a/b"):
        with pytest.raises(ValueError, match="run name"):
            student_dir(3, 0, bad)


def test_the_shipped_teacher_is_the_cpu_trained_one_once_it_was_kept_aside(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "CPU_TEACHER_DIR", tmp_path / "L6-cpu")
    assert paths.shipped_teacher_dir() == paths.TEACHER_DIR
    (tmp_path / "L6-cpu").mkdir()
    assert paths.shipped_teacher_dir() == tmp_path / "L6-cpu"
