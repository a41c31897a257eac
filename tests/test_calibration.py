"""The reflection rubric agrees with a human marker: hand-marked answers in tests/calibration/."""

from __future__ import annotations

import nbformat
import pytest
from calibration_set import (
    ANSWERS,
    BLIND,
    POINTS,
    PROMPTS,
    ROOT,
    by_kind,
    figures,
    graded,
    load_blind,
    machine_mark,
    shipped_prompts,
    summary,
)

from course.course_files import exercises
from course.score.reflection import score_reflection

KINDS = {"excellent", "adequate", "weak", "off-topic", "jargon-heavy", "copy-of-prompt", "keyword-list",
         "rambling", "empty"}


BLIND_KINDS = {"excellent", "excellent-unusual", "missing-one", "partial", "vague", "off-topic", "rude",
               "serious-mistake", "keyword-fragments", "non-native", "rambling", "copied"}
# The sealed validation split, byte for byte: changing it must show up as a change to this line.
VALIDATION_SHA256 = "a84808f60710a50fb7b28d3d94fc533498a458475cad667820696e671cb70a02"
BARS = {"within_1": 0.85, "mae": 0.6, "off_unflagged": 0.05, "flagged": 0.25}


def test_the_blind_set_is_large_broad_and_sealed():
    import hashlib

    sealed = b"".join(p.read_bytes() for p in sorted((BLIND / "validation").glob("*.yaml")))
    assert hashlib.sha256(sealed).hexdigest() == VALIDATION_SHA256, "the sealed validation split was changed"
    dev, val = load_blind("development"), load_blind("validation")
    assert len(val) / (len(dev) + len(val)) >= 0.3
    for name in shipped_prompts():
        mine = [a for a in dev + val if a["prompt"] == name]
        assert len(mine) >= 25 and {a["kind"] for a in mine} == BLIND_KINDS, name
    for item in dev + val:
        assert item["reason"].strip() and 0 <= item["mark"] <= POINTS and item["text"].strip()
    assert not {a["text"] for a in dev} & {a["text"] for a in val}


@pytest.mark.xfail(strict=True, reason="issue 18 is open: on the last sealed split scored, round 18 (52,087 answers, "
                   "scored once at e764b8b, written under the same brief as rounds 11-17), the rubric is within 1 "
                   "point on 93%, MAE 0.42, 3% off by over a point unflagged and 22% flagged (four bars met), but 4 "
                   "failed answers (2 rude, 2 serious mistakes) score 3 or more (bar: 0); round 17 had 3 (92.8%, "
                   "0.43, 3, 2.7%, 23.0%)")
def test_rubric_agrees_with_blind_hand_marks_on_the_sealed_split():
    """Issue 18's bars, on answers written and marked by people who never saw the rubric or the key.

    Only figures are printed for the sealed split, never its answers: reading them would tune to them. The
    development split's figures come from `python tests/calibration_set.py --blind`; nothing here asserts on them.
    """
    rows = graded(load_blind("validation"))  # each answer graded once, on every core
    val = figures(rows)
    print("\n" + summary("validation", val))
    for kind, f in by_kind(rows).items():
        print(f"{kind:18} n={f['n']:5} within1 {f['within_1']:4.0%} MAE {f['mae']:.2f} bias {f['bias']:+.2f} "
              f"fbp {len(f['failed_but_passed']):2}")
    report = f"{len(val['off'])} validation answers off by more than 1 point (their texts stay sealed)"
    assert val["within_1"] >= BARS["within_1"], report
    assert val["mae"] <= BARS["mae"], report
    failed = len(val["failed_but_passed"])
    assert not failed, f"{failed} answers marked under 2 by hand scored 3 or more"
    assert val["off_unflagged"] <= BARS["off_unflagged"], report
    assert val["flagged"] <= BARS["flagged"]


def test_a_second_blind_marker_meets_the_bars_so_they_are_within_a_readers_reach():
    """Two people who read only the release notebook agree closely on round 9's sample: the hand marks are
    reproducible, and the distance between the rubric and them is the rubric's to close, not marking noise."""
    from course import yaml_text

    second = yaml_text.load((BLIND / "second-marker" / "round9-sample.yaml").read_text("utf-8"))
    files: dict[str, list] = {}
    for entry in second:
        files.setdefault(entry["file"], yaml_text.load((BLIND / "development" / entry["file"]).read_text("utf-8")))
    rows = [({**files[e["file"]][e["index"]], "file": e["file"]}, e["mark"], None) for e in second]
    assert len(rows) >= 400 and len({(e["file"], e["index"]) for e in second}) == len(rows)
    assert {item["prompt"] for item, _, _ in rows} == set(shipped_prompts())
    human = figures(rows)
    print("\n" + summary("2nd marker", human))
    assert human["within_1"] >= BARS["within_1"] and human["mae"] <= BARS["mae"]
    assert not human["failed_but_passed"]
    assert len(human["off"]) / human["n"] <= BARS["off_unflagged"]  # unflagged: a person raises no flags


def test_the_set_is_broad_enough():
    assert len(ANSWERS) >= 40
    assert {a["kind"] for a in ANSWERS} == KINDS
    for item in ANSWERS:
        assert item["prompt"] in PROMPTS and item["reason"].strip() and 0 <= item["mark"] <= POINTS


def test_rubric_is_within_one_point_of_the_hand_mark_on_85_percent():
    """The older set, written and marked by the course's author against older prompt wording, not blind.

    It sits at the bar: 126 of 144 with the readers fitted on rounds 0-15, 122 (an expected failure then) on rounds
    0-16, 123 on rounds 0-17. The blind splits are the measure (issue 18); this one guards the author's intent."""
    rows = [(a, machine_mark(a)) for a in ANSWERS]
    close = [a for a, m in rows if abs(m - a["mark"]) <= 1.0]
    report = "\n".join(f"{a['prompt']:18} {a['kind']:15} hand {a['mark']} rubric {m:.2f}  {a['reason']}"
                       for a, m in rows if abs(m - a["mark"]) > 1.0)
    agreement = len(close) / len(rows)
    print(f"calibration: {len(close)}/{len(rows)} within 1 point ({agreement:.0%})")
    assert agreement >= 0.85, f"agreement {agreement:.0%}; off by more than 1 point:\n{report}"


@pytest.mark.parametrize("item", [a for a in ANSWERS if a["kind"] in ("keyword-list", "copy-of-prompt")],
                         ids=lambda a: f"{a['prompt']}-{a['kind']}")
def test_keyword_lists_and_copied_prompts_never_get_full_marks(item):
    assert machine_mark(item) < POINTS * 0.5


def test_copying_the_prompt_is_caught_even_with_a_few_words_changed():
    prompt = PROMPTS["punctuality-late-call"]
    text = prompt["prompt"].replace("You are", "I am").replace("her", "you") + " Sorry."
    result = score_reflection(text, prompt["ideas"], prompt["rubric"], reference=prompt["prompt"])
    assert result.fraction == 0 and "repeats the exercise" in result.lines[0]


def test_feedback_says_how_to_improve_without_giving_the_key_terms():
    prompt = PROMPTS["punctuality-late-call"]
    result = score_reflection("Hi Mrs. Ito, I am on my way and I will be there soon. See you.",
                              prompt["ideas"], prompt["rubric"], reference=prompt["prompt"])
    text = "\n".join(result.lines)
    assert "To improve: add what is still missing: an apology" in text
    assert "apologise" not in text and "reschedule" not in text  # labels are shown, key terms are not


def test_the_calibration_key_is_the_shipped_exercise_key():
    """prompts.yaml keeps only older wordings: every exercise is calibrated on the key it ships with."""
    shipped = shipped_prompts()
    for name, prompt in PROMPTS.items():
        assert (prompt["ideas"], prompt["rubric"], prompt["topic"]) == (
            shipped[name]["ideas"], shipped[name]["rubric"], shipped[name]["topic"]), name


def test_every_shipped_reflection_exercise_is_calibrated_on_at_least_six_hand_marks():
    shipped = shipped_prompts()
    assert "language-rewrite" in shipped
    for name, prompt in shipped.items():
        marked = [a for a in ANSWERS if a["prompt"] == name]
        assert len(marked) >= 6, f"{name} ({prompt['notebook']}) has {len(marked)} hand-marked answers; add more"
        assert {a["kind"] for a in marked} >= {"excellent", "weak", "keyword-list"}, name


def test_plain_tidy_text_with_one_key_idea_stays_under_half_marks():
    """Style alone must not carry an answer: jargon-free, readable and the right length, one idea of four."""
    prompt = PROMPTS["language-rewrite"]
    text = ("Ms. Chen, I looked at your computer this morning and I am glad to help you with it today. "
            "The main thing I saw is that it is nearly full. I will explain more when we meet, and we can "
            "talk about it over a cup of tea at the bakery. Thank you for waiting, and have a lovely day.")
    result = score_reflection(text, prompt["ideas"], prompt["rubric"], reference=prompt["prompt"])
    assert "covered 1 of 4" in "\n".join(result.lines) and result.fraction < 0.5


def test_review_flags_come_from_reason_codes_where_the_signals_disagree():
    from course.grade.scoring_steps import review_reason

    prompt = PROMPTS["punctuality-late-call"]
    key = {"kind": "reflection", "ideas": prompt["ideas"], "topic": prompt["topic"]}

    def graded(text):
        result = score_reflection(text, prompt["ideas"], prompt["rubric"], reference=prompt["prompt"],
                                  topic=prompt["topic"])
        return result, review_reason(key, result, [])

    listed, why = graded("sorry, 10:20, traffic, does that still work, reschedule")
    assert "list" in listed.codes and why is None  # surely weak: nothing for a person to decide
    notes, why = graded("- Mrs. Ito, it is Sam, I am so sorry\n- stuck in traffic after an accident\n"
                        "- I will be there at 10:20\n- does that still work, or would you prefer another time?")
    assert "ideas-in-a-list" in notes.codes and "read as a list" in why  # all there, but as notes: a person decides
    elsewhere, why = graded("Hello Ms. Rahman, I'm sorry, the screen for your laptop is the wrong size, so it won't be "
                            "ready at 3:00. I'd plan on 1:00 tomorrow. Can I lend you a laptop meanwhile?")
    assert "off-topic" in elsewhere.codes and elsewhere.points(4) <= 1 and "read as off-topic, yet it holds" in why
    printer, why = graded("Hello Ms. Rahman, your printer is mended and ready to collect from our front desk whenever "
                          "suits you. It needed a new roller and a clean. Thanks for your patience with us this week.")
    assert "off-topic" in printer.codes and printer.points(4) <= 1 and why is None  # plainly another job: no look
    good, why = graded("Hello Mrs. Ito, it's Sam from the repair shop. I'm sorry, there's been an accident and the "
                       "traffic is slow, so I'll be with you at about 10:20. Does that still work for you?")
    assert good.codes == [] and why is None and good.points(4) >= 3.5


@pytest.mark.parametrize("name", sorted(shipped_prompts()))
def test_copying_the_shipped_prompt_scores_under_half(name):
    """Whatever wording calibration uses, pasting the notebook's own prompt (lightly edited) gains little."""
    prompt = shipped_prompts()[name]
    cells = nbformat.read(ROOT / prompt["notebook"], as_version=4).cells
    (answer,) = [ex.grade_id for ex in exercises(ROOT / prompt["notebook"]) if ex.key["exercise"] == name]
    at = next(i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("grade_id") == answer)
    text = cells[at - 1].source.replace("You ", "I ").replace("you ", "I ") + " Thank you."
    result = score_reflection(text, prompt["ideas"], prompt["rubric"], reference=prompt["prompt"])
    assert result.fraction < 0.5, (name, result.lines[:2])


def test_each_round_is_graded_by_models_that_never_saw_it(monkeypatch):
    """`calibration_set.py --blind --unseen`: the fits for a round leave that round's answers out."""
    import calibration_set

    from course.author import second_reader, tone_model
    from course.score import tone

    shipped, reader = tone.model, calibration_set.READER["model"]
    fits, reads = [], []
    monkeypatch.setattr(tone_model, "fit", lambda rows: fits.append({row[2] for row in rows}) or shipped())
    monkeypatch.setattr(second_reader, "fit", lambda rows: reads.append({row[3] for row in rows}) or reader)
    items = [i for i in load_blind("development") if i["file"].endswith(("round1-validation.yaml",
                                                                          "round2-validation.yaml"))][::40]
    rows = calibration_set.graded_by_unseen_models(items)
    assert [r[0] for r in rows] == sorted(items, key=lambda i: calibration_set.round_of(i["file"]))
    assert "round1" not in fits[0] and "round2" in fits[0] and "round2" not in fits[1]
    assert "round1" not in reads[0] and {"round2", "model"} <= reads[0] and "round2" not in reads[1]
    assert tone.model is shipped and calibration_set.READER["model"] is reader
