"""Reflection exercises: a transparent rubric where every criterion says what it found."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from course import yaml_text
from course.score.readability import flesch_reading_ease
from course.score.result import NOT_ANSWERED, Result, kind_of
from course.score.tone import scored_sentences
from course.score.wording import find_phrases, is_word, sentences, tokens

if TYPE_CHECKING:
    from course.score.conduct import Breach
    from course.settings import Conduct, Scoring, ToneLimits

MAX_CHARS = 20_000
# What each criterion is called where a student reads it: the feedback and the prompt's scoring table.
LABELS = {"ideas": "Key ideas", "questions": "Open questions", "jargon": "Plain words", "length": "Length"}


@dataclass(frozen=True)
class Criterion:
    name: str
    fraction: float  # 0..1 of this criterion
    found: str
    count: int = 0  # how many things it flagged (jargon terms)
    tip: str = ""  # how to improve, shown when the criterion is not full


BULLET = re.compile(r"^\s*(?:[-*•–]|\d+[.)])\s+")


def is_real_sentence(sentence: str) -> bool:
    """A sentence a person would say or write, not a run of keywords separated by commas.

    Keyword lists have few little words (the, to, you, will...: scoring.yaml's `prose.function_words`)
    and short pieces between commas; even a rambling sentence has plenty of both.
    """
    words = re.findall(r"[A-Za-z']+", sentence)
    if len(words) < 3:
        return False
    function_words = scoring().prose.function_words
    little = sum(w.lower() in function_words for w in words)
    pieces = [p for p in re.split(r"[,;]", sentence) if p.strip()]
    long_pieces = len(words) / len(pieces) >= 4
    return little >= 1 and (little / len(words) >= 0.25 or long_pieces)


def is_address(words: list[str]) -> bool:
    """A greeting (scoring.yaml's `prose.greetings`) or a name with its title, on its own between commas:
    "Hi Alex", "Mrs. Ito"."""
    greetings = scoring().prose.greetings
    return 0 < len(words) <= 3 and all(w[0].isupper() or w.lower() in greetings for w in words)


def prose_share(text: str) -> float:
    """Share of the words that sit in clauses: comma-separated pieces of 3+ words with a little word.

    A keyword list ("sorry, 10:20, traffic, reschedule") is mostly pieces of one or two words;
    prose, even rambling prose, is mostly clauses.
    """
    prose = scoring().prose
    total = clause_words = 0
    for line in text.replace("’", "'").splitlines():
        # A bulleted or numbered line is a list item, not speech; so is a line of pieces joined by " / ".
        listed = bool(BULLET.match(line)) or len(re.findall(r"\s/\s", line)) >= prose.note_slashes
        # " / ", " + " and arrows join notes; so does " - " when a line strings `note_dashes` or more together.
        dashes = r"|\s[-–—]\s" if len(re.findall(r"\s[-–—]\s", line)) >= prose.note_dashes else ""
        for piece in re.split(r"[,;:.!?]+|\s[/|+]\s|\s*(?:->|→|=>)\s*" + dashes, line):
            words = re.findall(r"[A-Za-z']+", piece)
            if not listed and is_address(words):
                continue  # "Good morning", "Professor Ruiz": how speech opens, neither a clause nor a note
            total += len(words)
            if not listed and len(words) >= 3 and any(w.lower() in prose.function_words for w in words):
                clause_words += len(words)
    return clause_words / total if total else 0.0


def real_sentence_count(text: str) -> int:
    return sum(is_real_sentence(s) for s in sentences(text))


# The rubric's tunables (caps, the second reader's pull, the review band, word lists) live in
# course/rubrics/scoring.yaml, with how each was chosen; the course-wide conduct ones in conduct.yaml.
# Read them through `scoring()` and `conduct_settings()` (course/settings.py), each loaded once.
def scoring() -> Scoring:
    """scoring.yaml, checked. course.settings (and course.score.conduct, which needs it) load on first use:
    a check cell with nothing written yet, as at a student's first Run All, needs neither."""
    from course.settings import scoring as checked

    return checked()


def conduct_settings() -> Conduct:
    """conduct.yaml's course-wide settings, checked (loaded on first use, as `scoring`)."""
    from course.settings import conduct_settings as checked

    return checked()


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(words[i:i + 3]) for i in range(len(words) - 2)}


@lru_cache(maxsize=64)
def _reference_trigrams(reference: str) -> frozenset[tuple[str, ...]]:
    return frozenset(_trigrams(reference))  # the exercise's whole notebook: the same for every answer to it


def copied_share(text: str, reference: str) -> float:
    """Share of the answer's three-word runs that also appear in the exercise's own text."""
    mine = _trigrams(text)
    return len(mine & _reference_trigrams(reference)) / len(mine) if mine and reference else 0.0


# The rubric a written exercise uses when its key (and its check cell) name none.
DEFAULT_RUBRIC = "plain-language"


@cache
def load_rubric(rubric_id: str = DEFAULT_RUBRIC) -> dict:
    text = resources.files("course").joinpath("rubrics", f"{rubric_id}.yaml").read_text("utf-8")
    return yaml_text.load(text)


@lru_cache(maxsize=1)
def jargon_terms() -> dict[str, list[str]]:
    """Acronyms, jargon and slang to flag, by kind (course/rubrics/jargon.yaml)."""
    text = resources.files("course").joinpath("rubrics", "jargon.yaml").read_text("utf-8")
    data = yaml_text.load(text)
    kinds = ("acronyms", "jargon", "slang", "everyday_capitals")
    return {kind: [str(t).lower() for t in data.get(kind) or []] for kind in kinds}


CAPITALS = re.compile(r"(?<![\w-])([A-Z][A-Z0-9]{1,5})s?(?![\w-])")


def capitalised_acronyms(text: str) -> list[str]:
    """Words in capitals that are not everyday ones (jargon.yaml): HDMI, EDID, WLAN, SLA."""
    everyday = set(jargon_terms()["everyday_capitals"])
    found = dict.fromkeys(m for m in CAPITALS.findall(text) if sum(ch.isalpha() for ch in m) >= 2)
    return [m for m in found if m.lower() not in everyday and not is_word(m.lower())]


@lru_cache(maxsize=4096)
def _pattern(term: str) -> re.Pattern:
    words = r"\s+".join(re.escape(part) for part in term.split())
    return re.compile(rf"(?<![\w-]){words}(?:s|es|ed|ing)?(?![\w-])", re.IGNORECASE)


# "Mx." before a name is a courtesy title, not the acronym MX (a mail record): addressing a customer as
# they asked is what the course teaches, so it is blanked (same length) before terms are looked for.
TITLE = re.compile(r"\bMx\.?(?=\s+[A-Z])")


def _untitled(text: str) -> str:
    return TITLE.sub(lambda m: " " * len(m.group()), text)


def find_terms(text: str, terms: list[str]) -> list[str]:
    text = _untitled(text)
    folded = text.casefold()  # a term whose first word is nowhere in the text cannot match: skip its regex
    return [t for t in terms if _first_word(t) in folded and _pattern(t).search(text)]


def as_written(text: str, terms: list[str], kind: str = "") -> list[str]:
    """The found terms as a student reads them back: acronyms in capitals (CPU, HDD), others as written,
    leaving out one found inside another ("spooler" in "print spooler")."""
    text = _untitled(text)
    spans = {term: m.span() for term in terms if (m := _pattern(term).search(text))}
    inside = {t for t, (a, b) in spans.items() for u, (c, d) in spans.items() if u != t and c <= a and b <= d}
    shown = [" ".join(text[a:b].split()) for t, (a, b) in spans.items() if t not in inside]
    return list(dict.fromkeys(w.upper() if kind == "acronyms" else w for w in shown))


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def listed(items: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _first_word(term: str) -> str:
    words = term.casefold().split()
    return words[0] if words else ""


def words_and_sentences(text: str) -> tuple[int, int]:
    words = len(re.findall(r"[A-Za-z0-9']+", text))
    sentences = len([s for s in re.split(r"[.!?]+(?:\s|$)", text.strip()) if s.strip()])
    return words, sentences


def clean_text(answer: Any) -> tuple[str | None, list[str]]:
    """The answer as text, or None with the reason it cannot be marked."""
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return None, [NOT_ANSWERED]
    if not isinstance(answer, str):
        return None, [f"Your answer is {kind_of(answer)}, not text. Write it in words between the "
                      'triple quotes (""") in the answer cell.']
    if len(answer) > MAX_CHARS:
        return None, [f"Your answer has {len(answer):,} characters, which is too long to mark. Keep it under "
                      f"{MAX_CHARS:,}: a reply a customer would read is far shorter."]
    return answer.strip(), []


def open_criteria(text: str, rubric: dict) -> list[Criterion]:
    """The criteria that need no key: students see these before grading too."""
    crit = rubric["criteria"]
    out = []
    if "jargon" in crit:
        found = {kind: as_written(text, find_terms(text, jargon_terms()[kind]), kind)
                 for kind in ("acronyms", "jargon", "slang")}
        flagged = [t for terms in found.values() for t in terms]
        allowed = crit["jargon"]["allowed"]
        extra = max(0, len(flagged) - allowed)
        out.append(Criterion(
            "jargon",
            max(0.0, 1 - extra * crit["jargon"]["cost_per_term"]),
            _jargon_found(found, allowed),
            count=len(flagged),
            tip="say each one the way the customer would, in everyday words",
        ))
    if "length" in crit:
        out.append(_length(text, crit["length"]))
    if "questions" in crit:
        out.append(_questions(text, crit["questions"]))
    return out


def _jargon_found(found: dict[str, list[str]], allowed: int) -> str:
    """What the plain-words check found, in words a student can act on."""
    flagged = sum(len(terms) for terms in found.values())
    if not flagged:
        return "no jargon, acronyms or slang found"
    parts = [f"{listed(terms)} ({kind if len(terms) > 1 else kind.rstrip('s')})"
             for kind, terms in found.items() if terms]
    said = f"you used words a customer may not know: {listed(parts)}"
    return said + (f" (up to {allowed} can pass here)" if allowed and flagged <= allowed else "")


def readability_advice(text: str) -> str | None:
    """Reading ease as advice, never scored, and only on an answer long enough for it to mean something
    (scoring.yaml's `readability`)."""
    words, _ = words_and_sentences(text)
    advice = scoring().readability
    if words < advice.advice_min_words:
        return None
    ease = flesch_reading_ease(text)
    verdict = "easy to read" if ease >= advice.easy_reading else "try shorter sentences and everyday words"
    return (f"Advice, not scored: Flesch reading ease {ease:.0f} ({advice.easy_reading} or more reads easily): "
            f"{verdict}.")


def _length(text: str, spec: dict) -> Criterion:
    words, _ = words_and_sentences(text)
    real = real_sentence_count(text)
    if words < spec["min_words"]:
        fraction, tip = words / spec["min_words"], f"aim for at least {spec['min_words']} words"
    elif words > spec["max_words"]:
        fraction = max(0.0, 1 - (words - spec["max_words"]) / spec["max_words"])
        tip = f"cut it down to {spec['max_words']} words or fewer: keep what the reader needs"
    else:
        fraction, tip = 1.0, ""
    if real < spec["min_sentences"]:
        fraction *= 0.5
        tip = f"write it as at least {spec['min_sentences']} full sentences, not a list of words"
    return Criterion(
        "length", fraction,
        f"{plural(words, 'word')} in {plural(real, 'full sentence')}; the task asks for {spec['min_words']} "
        f"to {spec['max_words']} words in at least {plural(spec['min_sentences'], 'sentence')}", tip=tip,
    )


def _alternatives(phrases: tuple[str, ...]) -> str:
    return "|".join(re.escape(p) for p in phrases)


@lru_cache(maxsize=4)
def question_patterns(open_starts: tuple[str, ...], lead_ins: tuple[str, ...],
                      asks: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern]:
    """(an open question's start, a request that asks without a question mark), from scoring.yaml's `questions`."""
    open_start = re.compile(rf"^(?:\W*)(?:(?:{_alternatives(lead_ins)})\W+)?({_alternatives(open_starts)})\b",
                            re.IGNORECASE)
    return open_start, re.compile(rf"^\W*({_alternatives(asks)})", re.IGNORECASE)


def _questions(text: str, spec: dict) -> Criterion:
    questions = scoring().questions
    open_start, asks = question_patterns(questions.open_starts, questions.lead_ins, questions.asks)
    asked = [s for s in sentences(text) if s.endswith("?") or asks.match(s)]
    open_qs = [q for q in asked if open_start.search(q)]
    closed = len(asked) - len(open_qs)
    fraction = min(1.0, (len(open_qs) + questions.closed_credit * closed) / spec["min_open"])
    return Criterion(
        "questions", fraction,
        f"you asked {plural(len(open_qs), 'open question')} and {plural(closed, 'yes-or-no question')}; "
        f"the task asks for {spec['min_open']} or more open ones",
        tip="ask open questions (what, how, when, tell me) that the customer cannot answer with yes or no",
    )


def idea_found(text: str, idea: dict) -> bool:
    """A term matches by lemma (wording.py: inflections, `*` prefixes, `...` gaps) or as written."""
    terms = [str(t) for t in idea.get("terms") or []]
    if find_phrases(tokens(text), terms) or find_terms(text, terms):
        return True
    return any(re.search(p, text, re.IGNORECASE) for p in idea.get("patterns") or [])


def ideas_criterion(text: str, ideas: list[dict]) -> Criterion:
    """The share of the key's ideas covered, each counted `weight` times (default 1): an idea the prompt
    makes the point of the task (checking a summary with the customer) can count for more than a detail."""
    found_ideas = [idea for idea in ideas if idea_found(text, idea)]
    covered = [idea["label"] for idea in found_ideas]
    missed = [idea for idea in ideas if idea["label"] not in covered]
    found = f"you covered {len(covered)} of {len(ideas)} key ideas"
    if covered:
        found += f" ({'; '.join(covered)})"
    def weight(idea: dict) -> float:
        return float(idea.get("weight", 1))

    tip = ""
    if missed:
        tip = "add what is still missing: " + "; ".join(
            idea["label"] + (f" (it counts {weight(idea):g} times)" if weight(idea) != 1 else "") for idea in missed)
    share = sum(map(weight, found_ideas)) / sum(map(weight, ideas)) if ideas else 1.0
    return Criterion("ideas", share, found, tip=tip)


def describe(criteria: list[Criterion], rubric: dict) -> list[str]:
    """One line per criterion: its name, what it earns of the points it is worth, what it found, what to do."""
    return [f"{LABELS.get(c.name, c.name.title())} ({_earned(c, rubric['criteria'][c.name]['weight'])}): {c.found}."
            + (f" To improve: {c.tip}." if c.tip and c.fraction < 1 else "")
            for c in criteria]


def _earned(criterion: Criterion, weight: float) -> str:
    """What a criterion earns, as a share of the whole answer's points: "earns 7% out of 20%"."""
    if criterion.fraction >= 1:
        return f"earns the full {weight:.0%}"
    return f"earns {criterion.fraction * weight:.0%} out of {weight:.0%}"


def score_reflection(answer: Any, ideas: list[dict], rubric_id: str = DEFAULT_RUBRIC, reference: str = "",
                     topic: dict | None = None, second: Callable[[str], float] | None = None) -> Result:
    """Score a written answer against the key's `ideas` and, if given, its `topic` anchors.

    `reference` is the exercise's own text, which copying earns nothing from. `second`, when grading,
    is the second reader (course/score/second_reading.py): the share of full marks teachers gave
    answers worded like this one. Every cap and breach adds a reason code to the result, which is
    what decides whether a grader looks.
    """
    rubric = load_rubric(rubric_id)
    text, problems = clean_text(answer)
    if text is None:
        return Result(0.0, problems, answered=problems != [NOT_ANSWERED])
    criteria = [ideas_criterion(text, ideas), *open_criteria(text, rubric)]
    lines = describe(criteria, rubric)
    copied = copied_share(text, reference)
    if copied >= rubric.get("max_copied_share", 0.5):
        why = f"{copied:.0%} of your text repeats the exercise's own words, so it scores 0. Write your own."
        # Well over the limit is plainly a copy; just over it, a person should check the overlap is not fair quoting.
        plainly = copied >= rubric.get("max_copied_share", 0.5) + scoring().review.copied_margin
        return Result(0.0, [why, *lines], codes=["copied"] if plainly else ["copied", "copied-borderline"])
    if rubric.get("gate_on_ideas") and ideas and criteria[0].fraction == 0:
        score = Score(0.0, ["Your text covers none of the key ideas, so it scores 0.", *lines], ["no-ideas"], 0.0)
        _cap_off_topic(score, text, topic)
        _disagreements(score, text, rubric)
        return Result(0.0, score.lines, codes=score.codes)
    weights = rubric["criteria"]
    ideas_part = weights["ideas"]["weight"] * criteria[0].fraction
    style_part = sum(weights[c.name]["weight"] * c.fraction for c in criteria[1:])
    # Plain, short and tidy is worth little if it says little: the other criteria earn in full only
    # once `style_needs_ideas` of the key ideas are covered, and in proportion below that.
    needs = rubric.get("style_needs_ideas", 0.0)
    if needs and criteria[0].fraction < needs:
        style_part *= criteria[0].fraction / needs
        lines.append(f"The other criteria count in full once {needs:.0%} of the key ideas are covered; "
                     f"you covered {criteria[0].fraction:.0%}, so they count {criteria[0].fraction / needs:.0%}.")
    score = Score(ideas_part + style_part, lines, [], criteria[0].fraction)
    _cap_jargon(score, criteria, rubric)
    _cap_conduct(score, text, rubric, topic, rubric_id)
    _cap_off_topic(score, text, topic)
    _cap_form(score, text, rubric)
    reading = second(text) if second is not None else None
    _disagreements(score, text, rubric, reading)
    if reading is not None:
        _second_reading(score, reading)
        _hold_doubtful_pass(score, reading)
    return Result(score.total, score.lines, codes=score.codes)


def is_full_length(text: str, rubric: dict) -> bool:
    """At least the minimum length the exercise asks for."""
    return words_and_sentences(text)[0] >= rubric["criteria"].get("length", {}).get("min_words", 0)


def _disagreements(score: Score, text: str, rubric: dict, reading: float | None = None) -> None:
    """Codes for where the signals disagree, so a person looks: the rubric is least sure there.

    A full answer that matched few key ideas may say them in other words; a second `reading` no higher than the
    rubric's finds no such words, so nobody need look (on rounds 11, 12 and 13, each graded by models fitted without
    it, 52, 64 and 81 fewer flags, missing 0, 2 and 0 answers off by over a point); one only a little higher is
    left to the readers' disagreement flag."""
    band = scoring().review
    full_length = is_full_length(text, rubric)
    plain = not any(c.startswith(("conduct", "off-topic", "list", "copied")) for c in score.codes)
    other_words = reading is None or reading > score.total + band.few_ideas_reading_margin
    if plain and full_length and score.ideas <= band.few_ideas and other_words \
            and prose_share(text) >= rubric.get("min_prose_share", 0.6):
        score.codes.append("long-on-topic-few-ideas")
    if "off-topic" in score.codes and score.ideas >= band.off_topic_with_ideas:
        score.codes.append("off-topic-with-ideas")  # another situation's words, yet much of this key: a person decides
    breaches = [c for c in score.codes if c.startswith("conduct:")]
    if len(breaches) == 1 and score.ideas >= 0.75:  # one slip in an answer that is otherwise all there
        score.codes.append("ideas-with-breach")


@dataclass
class Score:
    """A score on its way through the caps: each cap lowers `total`, explains why and adds a code."""

    total: float
    lines: list[str]
    codes: list[str]
    ideas: float  # share of the key ideas covered
    tone: float = 0.0  # the tone model's highest reading of any sentence
    ceiling: float = 1.0  # the lowest binding cap applied: nothing after may raise the score over it
    loose: float = 1.0  # the lowest cap that does not bind the second reader (the list's)

    def cap(self, at: float, code: str, why: str, binds_reader: bool = True) -> None:
        self.codes.append(code)
        if binds_reader:
            self.ceiling = min(self.ceiling, at)
        else:
            self.loose = min(self.loose, at)
        if self.total > at:
            self.total = at
        self.lines.insert(0, why)


def _second_reading(score: Score, reading: float) -> None:
    """Where the second reader and the rubric part by more than scoring.yaml's `second_reader.band`, move
    `second_reader.share` of the way to the reader, never over a cap that binds it (every cap but the list's
    on a full-length list holding most key ideas: teachers gave full marks to answers set out as full points,
    and the reader tells those from keyword notes by what they say). How band and share were chosen is
    beside them in scoring.yaml. Parting by `review.reader_disagrees` or more asks a person to look."""
    reader = scoring().second_reader
    gap = reading - score.total
    if abs(gap) >= scoring().review.reader_disagrees:
        score.codes.append("reader-disagrees")
    if abs(gap) <= reader.band:
        return
    moved = min(score.total + reader.share * gap, max(score.total, score.ceiling))
    if moved != score.total:
        past = " (set out as a list, it still reads as a whole answer)" if moved > score.loose else ""
        score.lines.insert(0, f"A second reading, from how teachers marked answers like this one, put this answer "
                              f"at {reading:.0%}{past}, so the score moves from {score.total:.0%} to {moved:.0%}. "
                              "The points below say what to keep and what to improve.")
        score.total = moved


def _hold_doubtful_pass(score: Score, reading: float) -> None:
    """Hold a bare pass (3 to 3.3 of 4) just under 3 until a person reads it, where the second reader puts it under
    3.1 and the tone model is not sure of every sentence.

    Most answers the teachers failed that still scored 3 were complete but for one serious mistake said once (a
    careless tip, someone's private business, a promise nobody can keep) in words no conduct phrase knew. They
    land just over the line, with the second reader just under it and a faint tone reading: a person decides.
    The lines are scoring.yaml's `review.doubtful_pass`."""
    doubt = scoring().review.doubtful_pass
    if doubt.pass_mark <= score.total < doubt.doubt_below and reading < doubt.reading_below \
            and score.tone >= doubt.tone_from:
        score.codes.append("pass-in-doubt")
        score.lines.insert(0, f"This answer is near the line for a pass, and a second reading and the tone check "
                              f"both doubt it, so it is held at {doubt.held_at:.0%} until a grader has read it. To "
                              "improve: read each sentence as the customer would hear it: courteous, safe, promising "
                              "only what you can keep, and keeping other people's business private.")
        score.total = doubt.held_at


def _cap_jargon(score: Score, criteria: list[Criterion], rubric: dict) -> None:
    jargon = next((c for c in criteria if c.name == "jargon"), None)
    limit, cap = rubric.get("max_flagged_terms"), rubric.get("over_limit_cap", 0.0)
    if limit is not None and jargon is not None and jargon.count > limit:
        score.cap(cap, "jargon", f"Your text uses {jargon.count} jargon terms, acronyms or slang (more than {limit}), "
                  + ("so it scores 0." if cap == 0 else f"so the score is capped at {cap:.0%}.")
                  + " To improve: say each one the way the customer would, in everyday words.")


def _cap_conduct(score: Score, text: str, rubric: dict, topic: dict | None = None, rubric_id: str = "") -> None:
    from course.score.conduct import Breach, find_breaches, remarks

    rules = conduct_settings()
    extra = [{"id": "avoid", "tip": "leave it out", **item} for item in rubric.get("avoid") or []]
    breaches = find_breaches(text, extra, skip=rubric.get("conduct_skip"), allow=rubric.get("conduct_allow"))
    breaches += named_others(text, topic)
    breaches += tone_breaches(text, breaches, score, rules.tone, rubric_id)
    technical = [t for kind in ("acronyms", "jargon") for t in find_terms(text, jargon_terms()[kind])]
    technical += [c for c in capitalised_acronyms(text) if c.lower() not in technical]
    if "jargon" in rubric["criteria"] and len(technical) >= rules.jargon.terms:
        breaches.append(Breach("jargon", rules.jargon.label, ", ".join(_technical_as_written(text)[:4]),
                               rules.jargon.tip, True))
    serious = [b for b in breaches if b.serious]
    for b in breaches:
        if not b.serious:
            score.total = max(0.0, score.total - rules.minor_cost)
            score.codes.append(f"minor:{b.kind}")
            score.lines.insert(0, f"Professional conduct: your text {b.label} (\"{b.found}\"), which costs "
                                  f"{rules.minor_cost:.0%}. To improve: {b.tip}.")
    if serious:
        cap = rules.two_serious_cap if remarks(serious, text) > 1 else rules.serious_cap
        named = "; ".join(f"{b.label} (\"{b.found}\")" for b in serious)
        tips = "; ".join(dict.fromkeys(b.tip for b in serious))
        score.cap(cap, "conduct", f"Professional conduct: your text {named}. A serious breach caps the score at "
                  f"{cap:.0%}, whatever else it does well. To improve: {tips}.")
        score.codes += [f"conduct:{b.kind}" for b in serious]


def _technical_as_written(text: str) -> list[str]:
    """The acronyms and jargon in a text as the student wrote them (acronyms in capitals), for feedback."""
    terms = jargon_terms()
    shown = [t for kind in ("acronyms", "jargon") for t in as_written(text, find_terms(text, terms[kind]), kind)]
    return shown + [c for c in capitalised_acronyms(text) if c.upper() not in {t.upper() for t in shown}]


def tone_breaches(text: str, found: list[Breach], score: Score, limits: ToneLimits,
                  exercise: str = "") -> list[Breach]:
    """Sentences the tone model reads as unprofessional that no conduct phrase has named already.

    At `serious` or over, a sentence is a serious breach. Between `review` and `serious` the model is
    unsure: unless a serious breach already caps the answer, it is capped at `unsure_cap` for a person to read.
    The limits, and what the student is told, are conduct.yaml's `tone`."""
    from course.score.conduct import Breach

    read = [h for h in scored_sentences(text, exercise=exercise)
            if not any(h.start <= b.at < h.end for b in found)]
    score.tone = max((h.probability for h in read), default=0.0)
    hits = [h for h in read if h.probability >= limits.review]
    serious = [Breach("tone", limits.label, _excerpt(h.sentence), limits.tip, True, h.start)
               for h in hits if h.probability >= limits.serious]
    if hits and not serious and not any(b.serious for b in found):
        score.cap(limits.unsure_cap, "tone-unsure",
                  f"Professional conduct: this may sound unprofessional to the customer "
                  f"(\"{_excerpt(hits[0].sentence)}\"), so the score is capped at {limits.unsure_cap:.0%} "
                  f"until a grader has read it. To improve: {limits.tip}.")
    return serious


def named_others(text: str, topic: dict | None) -> list[Breach]:
    """Someone else named by title beside this customer ("Dr. Patel's surgery had the same fault"): another
    customer's business is not this one's to hear. Someone else instead of this customer is off-topic."""
    from course.score.conduct import Breach

    others = strangers(text, topic)
    if not others or _customer_missing(text, topic):
        return []
    return [Breach("disclosing", "names another customer or person to this one", others[0].group(0),
                   "keep other people's names and business out of it", True, len(tokens(text[:others[0].start()])))]


def strangers(text: str, topic: dict | None) -> list[re.Match]:
    """People named with a title who are not this exercise's customer (the key's first anchor group)."""
    if not topic:
        return []
    who = [str(p) for p in topic["anchors"][next(iter(topic["anchors"]))]]
    return [m for m in NAMED.finditer(text) if not find_phrases(tokens(m.group(1)), who)]


def _customer_missing(text: str, topic: dict) -> bool:
    _, groups, missing = topic_anchors(text, topic)
    return next(iter(groups), "") in missing


def _excerpt(sentence: str) -> str:
    return sentence if len(sentence) <= 90 else sentence[:87] + "..."


# A title and the name after it; only a short title takes a stop ("Dr. Patel", not "Professor. Forgive").
NAMED = re.compile(r"\b(?:(?:Mr|Mrs|Ms|Mx|Dr|Prof)\.?|Miss|Professor)\s+([A-Z][a-z]+)")


def _cap_off_topic(score: Score, text: str, topic: dict | None) -> None:
    """Cap an answer about another situation: none of the key's anchors, or someone else's name (with a title)
    instead of this customer's (the first anchor group names who the exercise is about)."""
    if not topic:
        return
    hit, groups, _ = topic_anchors(text, topic)
    others = [m.group(1) for m in strangers(text, topic)] if _customer_missing(text, topic) else []
    if hit < topic.get("min_anchors", 1) or others:
        why = (f"it names {others[0]}, who is not in this exercise" if others else
               f"it mentions none of: {', '.join(groups)}")
        score.cap(topic.get("cap", 0.25), "off-topic",
                  f"Your text does not seem to be about this customer's situation ({why}), so the score is capped "
                  f"at {topic.get('cap', 0.25):.0%}. To improve: answer this customer, about this problem.")


def topic_anchors(text: str, topic: dict) -> tuple[int, list[str], list[str]]:
    """How many of the key's anchor groups (who, what, the constraint) the text mentions; the groups; those missed."""
    toks = tokens(text)
    groups = {name: [str(p) for p in phrases] for name, phrases in (topic.get("anchors") or {}).items()}
    missing = [name for name, phrases in groups.items() if not find_phrases(toks, phrases)]
    return len(groups) - len(missing), list(groups), missing


def _cap_form(score: Score, text: str, rubric: dict) -> None:
    words, _ = words_and_sentences(text)
    too_long = rubric["criteria"].get("length", {}).get("max_words")
    form = scoring().form
    if too_long and words > 1.5 * too_long:
        score.cap(form.rambling_cap, "long", f"Your answer has {words} words, more than half again the {too_long} a "
                  f"reader will give it, so the score is capped at {form.rambling_cap:.0%}. To improve: keep what "
                  "the reader needs and cut the rest.")
    too_short = rubric["criteria"].get("length", {}).get("min_words", 0) * form.short_share
    if words < too_short:
        score.cap(form.short_cap, "short", f"Your answer has {words} words, well under the "
                  f"{too_short / form.short_share:.0f} asked for, so the score is capped at {form.short_cap:.0%}: "
                  "there is not room to do all the task asks. To improve: cover each part of the task in a sentence "
                  "or two.")
    prose, needed = prose_share(text), rubric.get("min_prose_share", 0.6)
    # Notes that hold the ideas are worth more than a few keywords, but never half: the credit grows with
    # the ideas and the length. At full length, a person should see whether it is really notes or a
    # well-laid-out answer; the second reader, not bound by this cap there, reads that from the words first.
    # A short list is notes whatever its words: the cap binds the reader too.
    share = words / max(1, rubric["criteria"].get("length", {}).get("min_words", 1))
    full_length = share >= 1
    length = min(1.0, share)  # a short line of keywords earns little for the ideas it names
    cap = round(rubric.get("list_cap", 0.15) + form.list_ideas_credit * score.ideas * length, 2)
    laid_out = full_length and score.ideas >= 0.75  # a full answer set out as points, or notes that look it
    if prose < needed and laid_out:
        score.codes.append("ideas-in-a-list")
    if prose < needed:
        score.cap(cap, "list", binds_reader=not laid_out,
                  why=f"Only {prose:.0%} of your words are in full sentences; key ideas count in full only "
                  f"when written as sentences to a person, so the score is capped at {cap:.0%}. To improve: write it "
                  "as you would say or send it.")
