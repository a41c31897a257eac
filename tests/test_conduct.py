"""Professional conduct in written answers: matched by lemma, negation respected, capped and explained."""

import re
from importlib import resources

import pytest

from course import yaml_text
from course.score.conduct import conduct_rules, find_breaches
from course.score.reflection import score_reflection
from course.score.wording import find_phrases, tokens

LATE = [{"label": "an apology", "terms": ["apolog*", "sorry"]},
        {"label": "a new time", "patterns": [r"\b\d{1,2}:\d{2}\b"]}]
GOOD = "Good morning, Mrs. Ito. I'm sorry, the traffic is slow, so I will be with you at 10:20. Does that still work?"


def test_conduct_rules_are_well_formed():
    rules = conduct_rules()
    assert 0 < rules["two_serious_cap"] <= rules["serious_cap"] <= 0.5
    ids = [k["id"] for k in rules["kinds"]]
    assert len(ids) == len(set(ids))
    assert {"blaming", "lecturing", "password", "over-promising", "disclosing"} <= set(ids)
    for kind in rules["kinds"]:
        assert kind["label"] and kind["tip"] and kind["severity"] in ("serious", "minor")
        assert kind.get("phrases") or kind.get("patterns")
        for pattern in kind.get("patterns") or []:
            re.compile(pattern)
    # An exercise's skipped kind or allowed phrase that the course rules do not hold would silently do nothing.
    phrases = {str(p) for kind in rules["kinds"] for p in kind.get("phrases") or []}
    for path in sorted(resources.files("course").joinpath("rubrics").iterdir()):
        if path.name.endswith(".yaml") and path.name != "conduct.yaml":
            rubric = yaml_text.load(path.read_text("utf-8")) or {}
            assert set(rubric.get("conduct_skip") or []) <= set(ids), path.name
            assert set(rubric.get("conduct_allow") or []) <= phrases, path.name


@pytest.mark.parametrize("phrase, text", [
    ("take longer", "It took longer than I thought."),
    ("apolog*", "Apologies for the wait."),
    ("call ... back", "I'll call you straight back."),
    ("patient", "the patients' records"),
    ("can not promise", "I can't promise that."),
])
def test_phrases_match_inflections_prefixes_gaps_and_contractions(phrase, text):
    assert find_phrases(tokens(text), [phrase])


@pytest.mark.parametrize("text, kind", [
    ("You should have reported this yesterday.", "lecturing"),
    ("If you'd backed up your files this would not have happened.", "lecturing"),
    ("It must have been something you did.", "blaming"),
    ("Could you tell me your password so I can log in?", "password"),
    ("I guarantee it will never happen again.", "over-promising"),
    ("Calm down, it's only a printer.", "dismissing"),
    ("Your desk is a tip.", "judging"),
    ("Oh great, another email problem.", "sarcasm"),
    ("For next time, it's always worth testing the room the day before.", "next-time-lecture"),
    ("Honestly, it's not rocket science.", "dismissing"),
    ("That TV has to go off before I start.", "demanding"),
    ("Could you write down your network password for me?", "password"),
    ("I need you to confirm that today so I can close the ticket.", "demanding"),
    ("The stuck jobs were invoices for patients including Mr D. Hughes.", "disclosing"),
    ("If you could jot down your network password for me, I'll test it.", "password"),
    ("Your badge isn't ready, so just borrow Priya's from her desk.", "credentials"),
    ("Confirm yes or no so I can get on with it.", "demanding"),
    ("Until your access comes through, just log in as me.", "credentials"),
    ("I logged in as the practice admin (username: admin, password: Smile2024!) to clear the queue.", "credentials"),
    ("Logged in (reception / Smile2024!), pushed the cable in and cleared the queue.", "credentials"),
    ("If your badge isn't ready, just take mine from my desk drawer.", "credentials"),
    ("Could you type the Wi-Fi password and the tablet's PIN into this chat?", "password"),
    ("I saw the letter about the staff disciplinary hearing, so you may want to put it away.", "disclosing"),
    ("You're not alone: Oakfield Dental and Parker & Lowe Solicitors are down too.", "disclosing"),
    ("I've seen it before: last month at Hargreaves a partner lost a laptop.", "disclosing"),
    ("The laptop stays here, end of discussion.", "demanding"),
    ("If I had a crystal ball I'd tell you.", "sarcasm"),
    ("Right, let me see if I can decode that.", "sarcasm"),
    ("Or should I say Your Excellency? Only joking.", "sarcasm"),
    ("And in future, please just send short bullet points.", "lecturing"),
    ("Make sure the computer is on and the desk is cleared before I get there.", "demanding"),
    ("I'm only ringing because I said I would.", "dismissing"),
])
def test_each_kind_is_found(text, kind):
    assert kind in [b.kind for b in find_breaches(text)]


@pytest.mark.parametrize("text", [
    "I'd never ask for your password: please type it in yourself.",
    "Please don't tell me your password.",
    "I can't promise anything yet, so I won't guess.",
    "It is not your fault at all.",
    "I'll have it working well before your lesson at 11.",
    "Next time you need us, just ring the desk and ask for me.",
    "That way nobody else knows your password.",
    "Could you set up a temporary password for me before you go?",
    "Please type your password in yourself, then set a new one after I've gone.",
    "I'll call you this week at Millbrook to check it's still working.",
    "The dental surgery down the road was fine too.",
    "Your password must be 12 characters or more.",
    "The fewer people who know your password, the safer your clients' files are.",
    "I saw your email about the slides, so I came straight over.",
    "Following up like I said I would.",
    "Ask reception for a visitor pass, and you can borrow my charger.",
    "If you can, type it now and give me a temporary password you change tonight.",
    "I won't touch anything until you tell me where it should go.",
    "On site 14:10 / 14:45; the printer / scanner2 settings were fine.",
    GOOD,
])
def test_negated_or_courteous_text_is_not_a_breach(text):
    assert [b for b in find_breaches(text) if b.serious] == []


def test_a_serious_breach_caps_at_half_names_it_and_says_how_to_improve():
    clean = score_reflection(GOOD, LATE, "late-call")
    rude = score_reflection(GOOD + " You should have booked an earlier slot.", LATE, "late-call")
    assert clean.fraction > 0.9 and rude.fraction == 0.5
    assert rude.lines[0].startswith("Professional conduct: your text lectures") and "To improve:" in rude.lines[0]
    assert "conduct:lecturing" in rude.codes


def test_one_remark_that_breaks_two_rules_caps_once():
    text = GOOD + " In future, you really should test it before you call us."
    result = score_reflection(text, LATE, "late-call")
    assert {"conduct:lecturing", "conduct:next-time-lecture"} <= set(result.codes)
    assert result.fraction == conduct_rules()["serious_cap"]


def test_two_serious_breaches_cap_lower():
    text = GOOD + " You should have booked earlier, and I promise it will never happen again."
    assert score_reflection(text, LATE, "late-call").fraction == conduct_rules()["two_serious_cap"]


def test_a_minor_slip_costs_a_little():
    clean = score_reflection(GOOD, LATE, "late-call").fraction
    slangy = score_reflection(GOOD.replace("Good morning", "Cheers"), LATE, "late-call")
    assert slangy.fraction == pytest.approx(clean - conduct_rules()["minor_cost"], abs=0.02)
    assert "minor:slang" in slangy.codes


def test_feedback_quotes_only_the_students_words_and_the_rule_never_a_key_term():
    rude = score_reflection(GOOD + " Calm down.", [{"label": "an apology", "terms": ["zebra-key-term"]}], "late-call")
    assert "zebra-key-term" not in "\n".join(rude.lines)


def test_naming_another_customer_to_this_one_is_a_serious_breach():
    topic = {"anchors": {"who": ["ito"], "problem": ["late", "traffic"], "constraint": ["10", "minute*"]}}
    told = score_reflection(GOOD + " Mr. Hale down the road had the same fault.",
                            LATE, "late-call", topic=topic)
    assert told.fraction == conduct_rules()["serious_cap"] and "conduct:disclosing" in told.codes
    assert '"Mr. Hale"' in told.lines[0]
    assert score_reflection(GOOD, LATE, "late-call", topic=topic).fraction == 1.0  # her own name alone is fine


def test_off_topic_answers_are_capped_at_a_quarter():
    topic = {"anchors": {"who": ["ito"], "problem": ["late", "traffic"], "constraint": ["10", "minute*"]}}
    other = "Hello Ms. Rahman, I'm sorry, your laptop won't be ready at 3:00. The part comes tomorrow."
    assert score_reflection(other, LATE, "late-call", topic=topic).fraction <= 0.25
    essay = "Being on time matters in IT support because it shows respect and builds trust, sorry to say."
    assert "off-topic" in score_reflection(essay, LATE, "late-call", topic=topic).codes
    assert "off-topic" not in score_reflection(GOOD, LATE, "late-call", topic=topic).codes


def test_every_model_solution_scores_full_marks_with_no_conduct_breach(root):
    from course.course_files import model_answers

    answers = model_answers(root)
    assert len(answers) == 11  # one written exercise per notebook
    for ex, answer in answers:
        r = score_reflection(answer, ex.key["ideas"], ex.key.get("rubric", "plain-language"), topic=ex.key.get("topic"))
        assert r.fraction == 1.0 and not r.codes, (ex.key["exercise"], r.codes, r.lines[:1])


def test_a_past_promise_kept_is_not_an_over_promise():
    assert not find_breaches("Your quote, as I promised, will be with you by Friday.")
    assert "over-promising" in [b.kind for b in find_breaches("I promise it will be fixed today.")]


def test_a_title_ending_a_sentence_is_not_a_name():
    topic = {"anchors": {"who": ["ruiz", "professor"], "problem": ["slide*"], "constraint": ["11"]}}
    text = "Good morning, Professor. Forgive me, I'm Hamid from IT; I'll get your slides up before 11."
    assert "conduct:disclosing" not in score_reflection(text, LATE, "late-call", topic=topic).codes


def test_an_exercises_own_avoid_list_caps_advice_the_course_rules_out():
    from course.score.conduct import find_breaches
    from course.score.reflection import load_rubric

    attire = [{"id": "avoid", **item} for item in load_rubric("attire-advice")["avoid"]]
    for bad in ["IT never needs to dress up, so jeans and trainers are fine even at the bank.",
                "If you wear a head covering, it's probably better to leave it at home for the bank."]:
        assert [b.kind for b in find_breaches(bad, attire)] == ["avoid"], bad
    for fine in ["Jeans are not fine at the bank: wear a suit.", "Keep your headscarf on; it belongs at every site."]:
        assert find_breaches(fine, attire) == [], fine
    plain = [{"id": "avoid", **item} for item in load_rubric("plain-language")["avoid"]]
    assert find_breaches("I'll remove the programs I don't think you use.", plain)
    late = [{"id": "avoid", **item} for item in load_rubric("late-call")["avoid"]]
    assert find_breaches("Traffic held me up, but I'm only five minutes away, so 10:05.", late)
    assert not find_breaches("I'm about twenty minutes away, so I'll be there at 10:25.", late)
    assert not find_breaches("I'll show you the list and remove only the programs you say you don't use.", plain)
    assert find_breaches("To free up space I'll delete the old booking files and emails from previous years.", plain)
    assert not find_breaches("I'll delete old temporary files the computer no longer needs.", plain)
    assert find_breaches("Sorry, I might be a couple of minutes late, 10:05 at the most.", late)
    honest = [{"id": "avoid", **item} for item in load_rubric("honest-unknown")["avoid"]]
    assert find_breaches("Please don't worry about the bookings, nothing will have been lost.", honest)
    assert find_breaches("Don't worry, Ms. Brennan, your bookings are all safe.", honest)
    assert not find_breaches("I can't tell you yet whether the bookings are safe.", honest)
    private = [{"id": "avoid", **item} for item in load_rubric("private-materials")["avoid"]]
    assert find_breaches("Just tell me it quickly now and I'll keep it in my head.", private)
    quiet = [{"id": "avoid", **item} for item in load_rubric("quiet-space")["avoid"]]
    assert find_breaches("I noticed some of them are staff appraisal forms.", quiet)
    assert not find_breaches("Would you like to move the papers yourself, or tell me where they go?", quiet)
    restate = [{"id": "avoid", **item} for item in load_rubric("restate")["avoid"]]
    assert find_breaches("Move the tablet back and reset it now; that should do it.", restate)
    record = [{"id": "avoid", **item} for item in load_rubric("service-record")["avoid"]]
    assert find_breaches("Replaced the printer cable with a new one and cleared the queue.", record)
    assert not find_breaches("The cable is worn: I recommend a new printer cable soon.", record)
    assert find_breaches("The cable was pushed back in; no further problems are expected.", record)
    assert find_breaches("Could you text it to my work phone instead? I'll delete it afterwards.", private)
    assert find_breaches("I'll sort through the papers on the desk and throw out anything old.", quiet)
    assert find_breaches("To free up room, I'll delete all your files older than a year.", plain)
    assert find_breaches("First I'll copy your customer files onto my own hard drive to be safe.", plain)
    assert not find_breaches("I'll copy your files to the backup drive you keep in the office.", plain)


def test_fair_questions_kept_promises_and_safety_advice_are_not_breaches():
    """Round 11's blind markers gave full marks to each of these; the rules had capped them at half."""
    from course.score.reflection import load_rubric

    assert not find_breaches("What did you do just before it stopped?")
    assert [b.kind for b in find_breaches("What did you do to it this time?")] == ["blaming"]
    assert not find_breaches("Hello Ms. Duarte, it's Jo, following up on Wednesday as I said I would.")
    assert [b.kind for b in find_breaches("As I already said, the quote comes on Friday.")] == ["lecturing"]
    attire = [{"id": "avoid", **item} for item in load_rubric("attire-advice")["avoid"]]
    assert not find_breaches("Keep your badge on show, and take off a lanyard or tie before leaning over a shredder.",
                             attire)
    assert find_breaches("At the charity you can take off your badge; nobody checks.", attire)
    safe = "I'll only clear out leftovers the computer no longer needs; your files are safe and nothing will be lost."
    assert "over-promising" in [b.kind for b in find_breaches(safe)]  # a promise nobody can keep, in general
    plain = load_rubric("plain-language")  # but here the technician chooses what goes
    assert not find_breaches(safe, skip=plain.get("conduct_skip"), allow=plain["conduct_allow"])
