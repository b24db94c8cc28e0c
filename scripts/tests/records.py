"""Record builders shared by several test files: one gold JSONL line and one teacher training summary, in the
formats that data/gold.py and train/trainer.py write. Test data only; no real posts."""

import json


def gold_line(**over) -> str:
    """One line of gold/dev.jsonl (the manifest's schema), three agreeing annotators; ``over`` replaces fields."""
    rec = {"text": "I need advice, my exams are crushing me", "help_seeking": "yes", "condition": "anxiety",
           "causes": ["school"], "source": "test",
           "annotators": [{"help_seeking": "yes", "condition": "anxiety", "causes": ["school"]}] * 3}
    rec.update(over)
    return json.dumps(rec)


def teacher_summary(seed: int, score: float, device: str = "cpu", epochs: int = 3, **hw) -> dict:
    """A teacher run's best.json summary as train writes it (``hw``: e.g. hardware="H200")."""
    cfg = {"layers": 6, "epochs": epochs, "patience": 2, "aux_task_weight": 0.5, "seed": seed, "device": device,
           "threads": 2, "max_minutes": 62.0 if device == "cpu" else 30.0}
    return {"train_config": cfg, "best_step": 20, "steps": 30, "best_score": score, "wall_seconds": 5.0,
            "history": [{"step": 10, "help_seeking": 0.1}, {"step": 20, "help_seeking": 0.8, "condition": 0.6,
                                                            "causes": 0.9}], **hw}
