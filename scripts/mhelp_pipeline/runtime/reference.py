"""Write ``test/fixtures/parity.json``: what the Python reference computes for texts written for the test.

The TypeScript engine must reproduce, for each case: the normalised text, the token ids of every window,
the raw logits per head per window (int8 ONNX in onnxruntime-web WASM, each window run alone) and the aggregated,
post-processed probabilities and labels. All texts below were written for this fixture; none comes from
a dataset (real posts must never be put in fixtures).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..core.paths import MODELS, PARITY_FIXTURE, REPO
from ..data.normalise import normalise
from .inference import Head, Predictor, aggregate, interpolate, window_probs
from .lexical import mix

# a monotone map with a flat step, a steep ramp and knots at 0 and 1 (written for the test; the shipped help_seeking
# map, when the model has one, is checked as well)
EXAMPLE_KNOTS = {"x": [0.02, 0.1, 0.100001, 0.35, 0.5, 0.73, 0.98],
                 "y": [0.0, 0.0, 0.0625, 0.0625, 0.41, 0.8, 1.0]}


def post_calibration_block(pred: Predictor, cases: list[dict]) -> dict:
    """What the Python reference's ``interpolate`` gives for knots and inputs the engine's interpolateKnots must
    match exactly: every knot, midpoints, points outside, and each case's aggregated p(yes) before any map."""
    help_head = next((h for h in pred.heads if h.task == "help_seeking"), None)
    maps = {"example": EXAMPLE_KNOTS}
    if help_head is not None and help_head.post_calibration:
        maps["help_seeking"] = help_head.post_calibration
    raw = []
    if help_head is not None:
        plain = Head(help_head.task, help_head.kind, help_head.labels, help_head.temperature, None,
                     help_head.aggregation)
        raw = [float(aggregate(plain, window_probs(plain, mix(c["logits"]["help_seeking"],
                                                              (c["lexical"] or {}).get("help_seeking"),
                                                              help_head.lexical_weight)),
                               c["window_content_tokens"])[1]) for c in cases]
    out = {}
    for name, k in maps.items():
        xs = list(k["x"])
        p = sorted({0.0, 1.0, xs[0] / 2, *xs, *[(a + b) / 2 for a, b in zip(xs, xs[1:])], (xs[-1] + 1) / 2, *raw})
        out[name] = {"knots": k, "p": p, "mapped": [interpolate(k["x"], k["y"], v) for v in p]}
    return out

_LONG = " ".join(
    [
        "I have been putting off writing this for weeks because I am not sure where to start.",
        "Last spring I moved to a new city for a job that I thought would be a fresh start.",
        "At first it was exciting, I liked the office and the people seemed friendly enough.",
        "Then my manager changed and the new one started criticising everything I did in front of the team.",
        "I began to dread Monday mornings so much that I could not sleep on Sunday nights.",
        "My heart races when I see an email from him and I feel sick before every meeting.",
        "I stopped going to the climbing gym, I stopped calling my sister, and I barely cook anymore.",
        "Most evenings I sit on the couch scrolling my phone until two in the morning.",
        "My partner says I seem far away and I know she is right, but I do not know how to explain it.",
        "I used to be the person who organised birthday dinners and weekend trips for everyone.",
        "Now even answering a text from a friend feels like climbing a mountain.",
        "Money is also tight because the rent here is much higher than back home.",
        "I keep telling myself that it is just a rough patch and that it will pass on its own.",
        "But it has been eight months and if anything it is getting worse, not better.",
        "Some days I cry in the car before I walk into the building.",
        "I have never seen a therapist and I honestly do not know how that works or what it costs.",
        "My company has some kind of employee assistance line but I am scared my manager would find out.",
        "I also wonder whether I should just quit, even though I do not have anything else lined up.",
        "My parents would be disappointed, they were so proud when I got this position.",
        "I feel stuck between a job that is wearing me down and the fear of having no income at all.",
        "I am not in danger and I am not thinking of hurting myself, I just feel exhausted and flat.",
        "Writing this out already helps a little, it is the first time I have put it into words.",
        "If anyone has been in a similar spot, how did you decide whether to stay or leave?",
        "And is it worth trying the assistance line, or is it usually not confidential?",
        "Any advice would mean a lot, thank you for reading this far.",
    ]
)

CASES: list[tuple[str, str]] = [
    ("help_anxiety", "I've had panic attacks every night this week and I can't sleep. Has anyone dealt with this? "
                     "Any tips would really help."),
    ("vent_depression", "Just venting. Everything feels grey lately and I stopped enjoying music. Not looking for "
                        "advice, I just needed to get this off my chest."),
    ("update_gratitude", "Update: 6 months sober today! Thank you all for the support on here."),
    ("casual", "What's everyone's favourite pizza topping? I'm team mushrooms."),
    ("pii", "My counsellor said to email help@example.org or read https://www.example.com/resources?id=42 and "
            "u/some_helper_99 told me to call 555-123-4567. Should I try them first?"),
    ("passive_wish", "I wish I could just not wake up tomorrow. Nobody would even notice."),
    ("work_money", "I lost my job last month and now I can't afford rent. My stomach is in knots all day. "
                   "What should I do?"),
    ("exam_short", "Exams next week and I'm freaking out"),
    ("grief_family", "My grandmother passed away in March and my dad has been drinking every night since. I'm "
                     "really worried about him. How do I talk to him about it?"),
    ("unicode", "Je suis tellement fatigué… 😔 I can’t stop crying — please help me figure this out."),
    ("tiny", "ok"),
    ("empty", "   "),
    ("long_multiwindow", _LONG),
]


def write_parity_fixture(variant: str = "default", path: Path = PARITY_FIXTURE, model_dir: Path | None = None,
                         optimisation: str = "basic") -> dict:
    model_dir = model_dir or MODELS / variant
    pred = Predictor(model_dir, optimisation=optimisation)
    cases = []
    for name, text in CASES:
        norm = normalise(text)
        out = pred.predict(norm)
        cases.append({
            "name": name,
            "text": text,
            "normalised": norm,
            "windows": out["windows"],
            "window_content_tokens": [len(w) - 2 for w in out["windows"]],
            "logits": out["logits"],
            # the lexical heads' logits of the post (None: the model has none), mixed into every window's logits
            "lexical": ({k: v.tolist() for k, v in pred.lexical.logits(norm).items()} if pred.lexical else None),
            "probs": {k: v["probs"] for k, v in out["heads"].items()},
            "labels": {k: v["labels"] for k, v in out["heads"].items()},
        })
    fixture = {
        "generated_by": "scripts/mhelp_pipeline/runtime/reference.py (python -m mhelp_pipeline reference)",
        "model_dir": str(model_dir.relative_to(REPO)) if model_dir.is_relative_to(REPO) else str(model_dir),
        "model_version": pred.meta["version"],
        "onnx_sha256": pred.meta["onnx_sha256"],
        "max_length": pred.meta["max_length"],
        "stride": pred.meta["stride"],
        "normalisation_version": pred.meta["normalisation_version"],
        "runtime": "onnxruntime-web WASM under Node (scripts/ort_web_runner.mjs, the engine's session options), each window run alone as [1, len]",
        "tolerance": {"logits": 1e-5, "probs": 1e-6},
        "cases": cases,
        "post_calibration": post_calibration_block(pred, cases),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(fixture, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path}: {len(cases)} cases, windows per case "
          f"{[len(c['windows']) for c in cases]}")
    return fixture


# --- the `reference` command -------------------------------------------------------------------------------------

def add_arguments(p) -> None:
    p.add_argument("--variant", default="default", help="the model folder models/<variant> (default)")


def run(args) -> None:
    write_parity_fixture(variant=args.variant)
