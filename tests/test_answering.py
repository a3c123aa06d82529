"""/ask's engine as pure logic: normalisation, synonyms, typos, triage, threshold, evaluation."""

from __future__ import annotations

import io
from collections import Counter

import pytest

from content import Library
from content.answering import Answerer, AnswerKind
from content.answering.index import PARTIAL_KEYWORD
from content.answering.normalise import MAX_WORDS, fold, words
from content.answering.synonyms import SynonymMap
from content.cli import main as content_cli
from content.evaluation import (
    MIN_ACCURACY,
    MIN_RECALL,
    MIN_REJECTION,
    evaluate,
    format_report,
    load_eval_set,
)
from content.triage_eval import (
    format_triage_report,
    load_triage_set,
    triage_above_floors,
    triage_reports,
)


@pytest.fixture(scope="module")
def answerer(library: Library) -> Answerer:
    return Answerer.build(library)


# ---------------------------------------------------------------- normalisation


def test_fold_handles_case_accents_and_apostrophes() -> None:
    assert fold("MAGNÉSIUM Can’t") == "magnesium cant"
    assert fold("ｍａｇｎｅｓｉｕｍ") == "magnesium"  # full-width letters


def test_words_split_units_and_respell_chat_spelling() -> None:
    assert words("is 500mg too much??") == ["is", "500", "mg", "too", "much"]
    assert words("r u a doctor") == ["are", "you", "a", "doctor"]
    assert words("<b>*_[]</b> '; DROP TABLE x;--") == ["b", "b", "drop", "table", "x"]


def test_words_are_clipped_for_huge_messages() -> None:
    assert len(words("cramp " * 5000)) == MAX_WORDS
    assert len(words("cramp " * 5000, limit=None)) == 5000


# ---------------------------------------------------------------- synonyms


@pytest.mark.parametrize(
    ("wording", "head"),
    [
        ("charley horse in my calf", "cramp"),
        ("muscle spasm", "cramp"),
        ("eye twitch", "cramp"),
        ("always fatigued", "weak"),
        ("so tired", "weak"),
        ("hypermagnesemia", "excess"),
        ("mag overdose", "excess"),
        ("too much", "excess"),
        ("hypomagnesemia", "deficiency"),
        ("im deficient", "deficiency"),
        ("mg levels", "magnesium"),
    ],
)
def test_synonym_wordings_bring_in_their_head_word(wording: str, head: str) -> None:
    expanded = SynonymMap().expand(words(wording))
    assert head in expanded
    assert expanded[: len(words(wording))] == words(wording)  # originals are kept


def test_synonym_heads_are_added_once() -> None:
    expanded = SynonymMap().expand(words("cramps cramping cramped"))
    assert expanded.count("cramp") == 1


def test_food_names_count_as_food(answerer: Answerer) -> None:
    terms = answerer.index.analyzer.query("pumpkin seeds and almonds").terms
    assert "food" in terms


# ---------------------------------------------------------------- typo tolerance


@pytest.mark.parametrize(
    ("typo", "word"),
    [
        ("magnisium", "magnesium"),
        ("magnesim", "magnesium"),
        ("suppliment", "supplement"),
        ("electrolites", "electrolytes"),
        ("diarreah", "diarrhea"),  # two letters out of order
    ],
)
def test_typos_are_corrected_to_the_index_vocabulary(
    answerer: Answerer, typo: str, word: str
) -> None:
    assert answerer.index.analyzer.correct(typo) == word


@pytest.mark.parametrize("word", ["rain", "bitcoin", "weather", "magnesium"])
def test_short_unknown_and_known_words_are_left_alone(answerer: Answerer, word: str) -> None:
    assert answerer.index.analyzer.correct(word) == word


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("magnisium defficiency symptons", "signs-of-magnesium-deficiency"),
        ("WHY DO MY LEGS CRAMP AT NIGHT", "night-leg-cramps"),
        ("magnésium for sleep", "magnesium-for-sleep"),
        ("pregnent and need magnesum", "magnesium-in-pregnancy"),
    ],
)
def test_casual_questions_with_typos_get_the_right_entry(
    answerer: Answerer, question: str, expected: str
) -> None:
    answer = answerer.answer(question)
    assert answer.kind is AnswerKind.ANSWER
    assert answer.entry is not None and answer.entry.id == expected


# ---------------------------------------------------------------- triage


# A sample wording for each concept the code computes from numbers.
BUILT_IN_SAMPLES = {
    "pill-count": "20 tablets",
    "big-dose": "5000 mg",
    "slow-pulse": "pulse 38",
    "fast-pulse": "heart rate 170",
    "low-bp-reading": "bp 80/50",
    "high-bp-reading": "bp 160/110",
    "child-age": "my 2 year old",
    "low-egfr": "egfr 12",
    "weeks-pregnant": "34 weeks",
    "dose-multiple": "10x the dose",
    "low-sats": "sats 88",
    "low-gcs": "gcs 6",
}


def test_every_rule_fires_its_own_flag(answerer: Answerer, library: Library) -> None:
    """Each rule, written with the first term of each of its concepts, raises its flag."""
    first_terms = {c.id: c.terms[0].removeprefix("=").rstrip("*") for c in library.concepts}
    for flag in library.red_flags:
        for rule in flag.when:
            words = [BUILT_IN_SAMPLES.get(c) or first_terms[c] for c in rule]
            message = "help " + " and ".join(words)
            assert flag in answerer.triage.check(message).flags, (flag.id, message)


@pytest.mark.parametrize(
    ("message", "flag_id"),
    [
        ("chest pian and sweating", "chest-pain"),
        ("chest painn", "chest-pain"),
        ("my chest really hurts", "chest-pain"),
        ("i passd out at work", "fainting"),
        ("he is unconcious", "unresponsive"),
        ("i took way too many pills", "overdose"),
        ("she od'd on her tablets", "overdose"),
        ("my kid had a fit", "seizure"),
        ("I CAN’T BREATHE", "trouble-breathing"),
        ("face is drooping", "stroke"),
        ("palpatations all night", "abnormal-heartbeat"),
        ("i want to kill myself", "self-harm"),
        ("my toddler swallowed some of my magnesium gummies", "child-ingestion"),
        ("im on haemodialysis and took milk of magnesia", "kidney-failure"),
        ("34 weeks pregnant with a pounding headache and flashing lights", "pregnancy-warning"),
        ("my left calf is swollen and hot after the flight", "blood-clot"),
        ("pee is dark brown after crossfit and my legs are agony", "rhabdomyolysis"),
        ("diarrhoea all day and dizzy when i stand", "dehydration"),
        ("my fingers locked into a claw and my lips are tingling", "tetany"),
    ],
)
def test_triage_survives_typos_and_casual_wording(
    answerer: Answerer, message: str, flag_id: str
) -> None:
    assert flag_id in {flag.id for flag in answerer.triage.check(message).flags}


@pytest.mark.parametrize(
    "message",
    [
        "how do i stay fit over winter",
        "fitness and magnesium",
        "that's odd, my calf cramps",
        "i want to move more",
        "what is a normal heart rate",
        "i get confused about which magnesium form to buy",
        "best magnesium for cramps",
        "no chest pain, just sore arms after the gym",
        "i fainted once years ago at school, can i take magnesium",
        "does magnesium make you sleepy",
        "does magnesium lower blood pressure",
        "my kid eats spinach, is that enough magnesium",
        "kidney beans magnesium content",
        "this traffic is killing me",
    ],
)
def test_triage_stays_quiet_on_ordinary_questions(answerer: Answerer, message: str) -> None:
    assert answerer.triage.check(message).flags == ()


@pytest.mark.parametrize(
    ("message", "hypothetical"),
    [
        ("can magnesium cause a seizure?", True),
        ("what are the signs of a stroke", True),
        ("my dad is having a seizure what do i do", False),
        ("i took 30 tablets", False),
    ],
)
def test_general_questions_are_worded_conditionally(
    answerer: Answerer, message: str, hypothetical: bool
) -> None:
    result = answerer.triage.check(message)
    assert result.flags
    assert result.hypothetical is hypothetical


@pytest.mark.parametrize(
    ("message", "flag_id"),
    [
        # "b.p." is one word.
        ("b.p. is really low and i feel woozy", "low-blood-pressure"),
        # A multiple of a dose, and a count of a supplement named by its form.
        ("accidentally gave my mum 10x her magnesium dose", "overdose"),
        ("took 20 magnesium oxide 500mg", "overdose"),
        ("mum has had 6 tablespoons of milk of magnesia since lunch", "overdose"),
        # "while" alone is not exercise.
        ("heart rate 160 while sitting on the sofa", "abnormal-heartbeat"),
        # A person named between the animal and the state: the state is the person's.
        ("the dog knocked my nan over and she is not responding", "unresponsive"),
        # History only covers the event told near it ("years ago"), not a later one.
        ("i fainted years ago at school. now my dad has collapsed in the garden", "fainting"),
        (
            "my legs went weak after the gym yesterday and today i suddenly cant move them",
            "paralysis-sudden-weakness",
        ),
        # A year only makes history when the event is placed in it.
        ("mum thinks its 1985 and doesnt know my name", "confusion-drowsiness"),
        # Clinical shorthand: oxygen saturation, coma score, a reading "70 on 40".
        ("sats 88 and puffing", "trouble-breathing"),
        ("pt GCS 6 after the fall", "unresponsive"),
        ("the pressure of my father is 70 on 40", "low-blood-pressure"),
        ("only 12% kidney function and taking magnesium glycinate", "kidney-failure"),
        # A story cue covers only its own clause.
        ("in the film he faints. now my dad has collapsed in the garden", "fainting"),
    ],
)
def test_triage_reads_numbers_abbreviations_and_subjects(
    answerer: Answerer, message: str, flag_id: str
) -> None:
    assert flag_id in {flag.id for flag in answerer.triage.check(message).flags}


@pytest.mark.parametrize(
    "message",
    [
        # An animal or a thing is the subject of the state.
        "my cat lies floppy in the sun all day, can cats have magnesium",
        "my phone is unresponsive again, anyway whats the rda for magnesium",
        # An acute event placed in a past year is history.
        "i fainted once in 2015 when giving blood, is magnesium ok for me",
        # Weakness a few words from its ordinary cause (exercise) is tired muscles.
        "my legs give out on the last rep of squats, normal fatigue?",
        "my arms are floppy noodles after arm day",
        # "fits" only as a noun for seizures, not "get fit".
        "how to get fit in 30 days, should i take magnesium",
        "i take magnesium 3 times a day",
        # A story, show or game: the sign happens to a character.
        "the character in my novel faints a lot, what would cause that",
        "my favourite soap had a stroke storyline, is magnesium good for the brain",
        # Negation carries across a list joined by "or".
        "i dont have any chest pain or shortness of breath, just cramps",
        # A pet's seizure is not a person's.
        "my cat had a seizure, can cats have magnesium",
    ],
)
def test_triage_stays_quiet_on_animals_things_and_past_years(
    answerer: Answerer, message: str
) -> None:
    assert answerer.triage.check(message).flags == ()


def test_the_log_line_names_the_rule_and_words(answerer: Answerer) -> None:
    result = answerer.triage.check("my chest really hurts")
    assert result.explain() == "chest-pain [chest='chest', pain='hurts']"


def test_urgent_answer_shows_only_urgent_or_safety_content(answerer: Answerer) -> None:
    answer = answerer.answer("my heart is racing, is magnesium in bananas?")
    assert answer.kind is AnswerKind.URGENT
    assert answer.entry is None or answer.entry.section in {"urgent", "excess"}


def test_red_flag_message_is_urgent_and_keeps_a_relevant_answer(answerer: Answerer) -> None:
    answer = answerer.answer("i took a whole bottle of magnesium tablets")
    assert answer.kind is AnswerKind.URGENT
    assert [flag.id for flag in answer.red_flags] == ["overdose"]
    assert answer.entry is not None and answer.entry.id == "took-too-many-magnesium-pills"


def test_red_flag_at_the_end_of_a_long_message_is_found(answerer: Answerer) -> None:
    story = "so i was at the gym and then went home and had dinner " * 40
    assert answerer.answer(story + "and now i cant breathe").kind is AnswerKind.URGENT


# ---------------------------------------------------------------- confidence threshold


@pytest.mark.parametrize(
    "message", ["whats the weather like tomorrow", "how much does bitcoin cost", "tell me a joke"]
)
def test_off_topic_gets_no_answer_with_closest_questions(answerer: Answerer, message: str) -> None:
    answer = answerer.answer(message)
    assert answer.kind is AnswerKind.NO_ANSWER
    assert answer.entry is None
    assert answer.confidence < answerer.threshold
    assert len(answer.alternatives) <= 3


def test_threshold_decides_between_answer_and_no_answer(answerer: Answerer) -> None:
    question = "does alcohol drain your magnesium"
    confidence = answerer.answer(question).confidence
    assert 0 < confidence < 1
    above = answerer.with_threshold(confidence + 0.01).answer(question)
    at = answerer.with_threshold(confidence).answer(question)
    assert above.kind is AnswerKind.NO_ANSWER and above.entry is None
    assert at.kind is AnswerKind.ANSWER and at.entry is not None
    # With no answer, the would-be answer leads the closest questions.
    assert above.alternatives[0] == at.entry
    assert at.entry not in at.alternatives


@pytest.mark.parametrize(
    "message",
    [
        "x" * 4096,
        "cramp " * 700,
        "😩😩😩🔥",
        "",
        "   ",
        "Магний помогает от судорог?",
        "マグネシウムは何ですか",
        "<b>bold</b> *_[]` <script>alert(1)</script>",
        "'; DROP TABLE chats; -- magnesium",
        "\x00\u200b\ufeff",
    ],
)
def test_bad_input_never_breaks_the_engine(answerer: Answerer, message: str) -> None:
    answer = answerer.answer(message)
    assert answer.kind in set(AnswerKind)
    assert 0.0 <= answer.confidence <= 1.0


# ---------------------------------------------------------------- evaluation set


def test_evaluation_set_is_big_enough() -> None:
    items = load_eval_set()
    labelled = [i for i in items if i.expected]
    assert len(labelled) >= 120
    assert sum(i.off_topic for i in items) >= 30
    assert sum(i.red_flag for i in items) >= 20
    assert {i.split for i in items} == {"tuning", "holdout"}
    assert len({i.text for i in items}) == len(items)


def test_evaluation_labels_name_real_entries(library: Library) -> None:
    ids = {entry.id for entry in library.faq}
    for item in load_eval_set():
        assert (item.expected or set()) <= ids, item.text


@pytest.mark.slow
def test_evaluation_figures_meet_the_floors(answerer: Answerer) -> None:
    report = evaluate(answerer, load_eval_set())
    summary = format_report(report, "all")
    assert report.accuracy >= MIN_ACCURACY, summary
    assert report.rejection >= MIN_REJECTION, summary
    assert report.recall >= MIN_RECALL, summary


@pytest.mark.slow
def test_eval_command_prints_the_figures_targets_and_misses() -> None:
    out = io.StringIO()
    assert content_cli(["eval"], out=out) == 0
    text = out.getvalue()
    for label in (
        "top-1 accuracy",
        "off-topic rejection",
        "red-flag recall",
        "holdout",
        "Triage evaluation",
        "false alarms",
        "per category",
        "targets:",
        "floors (the build gate): /ask met",
    ):
        assert label in text
    assert "misses" in text


def test_triage_set_is_big_and_covers_every_category(library: Library) -> None:
    items = load_triage_set()
    emergencies = Counter(sorted(i.expected)[0] for i in items if i.expected and not i.hypothetical)
    assert set(emergencies) == {flag.id for flag in library.red_flags}
    assert min(emergencies.values()) >= 15
    assert sum(emergencies.values()) >= 300
    assert sum(i.calm for i in items) >= 150
    holdout = [i for i in items if i.split == "holdout"]
    assert len(holdout) >= 0.15 * len(items)
    assert len({i.text for i in items}) == len(items)


@pytest.mark.slow
def test_triage_stays_above_its_floors(answerer: Answerer) -> None:
    whole, by_split = triage_reports(answerer.triage, load_triage_set())
    summary = format_triage_report(whole, "all", misses=False)
    assert triage_above_floors(whole, by_split), summary


@pytest.mark.slow
def test_eval_command_fails_below_the_floors() -> None:
    out = io.StringIO()
    # A threshold above every confidence refuses everything, so accuracy falls to zero.
    assert content_cli(["eval", "--threshold", "1.5"], out=out) == 1
    assert "refused" in out.getvalue()


# ---------------------------------------------------------------- ranking signals


def test_an_entrys_own_question_matches_its_wording_fully(answerer: Answerer) -> None:
    index = answerer.index
    for position, entry in enumerate(index.entries):
        terms = frozenset(index.analyzer.query(entry.question).terms)
        assert index.wording_match(terms, position) == pytest.approx(1.0), entry.id
        assert index.curated_coverage(terms, position) == pytest.approx(1.0), entry.id


def test_ranking_signals_stay_in_range_and_ignore_unrelated_entries(answerer: Answerer) -> None:
    index = answerer.index
    terms = frozenset(index.analyzer.query("glycinate or citrate").terms)
    scores = {
        entry.id: (
            index.wording_match(terms, position),
            index.curated_coverage(terms, position),
            index.keyword_coverage(terms, position),
        )
        for position, entry in enumerate(index.entries)
    }
    assert all(0.0 <= value <= 1.0 for signals in scores.values() for value in signals)
    assert scores["glycinate-vs-citrate"] > (0.9, 0.9, 0.0)
    assert scores["magnesium-for-babies"] == (0.0, 0.0, 0.0)


def _term_set(answerer: Answerer, text: str) -> frozenset[str]:
    return frozenset(answerer.index.analyzer.terms(words(text, limit=None)))


@pytest.mark.parametrize(
    "question",
    [
        "is magnesium good for cramps",
        "which form of magnesium should i take at night for leg cramps and sleep",
        "water pills and magnesium",
        "can kids take epsom salt baths",
        "hello",
    ],
)
def test_ranking_signals_equal_the_set_arithmetic_they_stand_for(
    answerer: Answerer, question: str
) -> None:
    """The array form of the signals (all entries at once) against their definition, one
    entry and one wording or keyword at a time."""
    index = answerer.index
    terms = frozenset(index.analyzer.query(question).terms)
    total = index.weight(terms)
    signals = index.signals(terms)
    for position, entry in enumerate(index.entries):
        wordings = [_term_set(answerer, text) for text in (entry.question, *entry.phrasings)]
        keywords = [_term_set(answerer, text) for text in entry.keywords]
        dice = [
            2 * index.weight(terms & wording) / (total + index.weight(wording))
            for wording in wordings
            if terms & wording
        ]
        keyword = [
            index.weight(terms & kw) * (1.0 if kw <= terms else PARTIAL_KEYWORD) for kw in keywords
        ]
        curated = index.weight(terms & index.curated_terms[position])
        expected = (
            max(dice, default=0.0),
            curated / total if total else 0.0,
            max(keyword, default=0.0) / total if total else 0.0,
        )
        found = (signals.wording[position], signals.curated[position], signals.keyword[position])
        assert found == pytest.approx(expected), entry.id


@pytest.mark.parametrize(
    "message",
    ["i want to move more", "i want to be more active", "i want to exercise more, does it help"],
)
def test_wanting_to_move_more_never_gets_the_crisis_answer(
    answerer: Answerer, message: str
) -> None:
    """'want' says what the asker wishes, not the topic; 'active' is not a typo of 'alive'."""
    answer = answerer.answer(message)
    assert answer.entry is None or answer.entry.id != "suicidal-thoughts-and-crisis-lines"
    assert not answer.triage.findings
