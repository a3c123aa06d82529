"""Quiz questions (quizzes.yaml): Telegram's limits, MagBot's rules, the Library lookups and
the real file (every tip has a question, every number is from the reference)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from content import ContentError, Library, Quiz, Topic, load_library
from content.numbers import extract_numbers, number_problems, reference_numbers
from content.quiz import (
    MAX_OPTIONS,
    MIN_OPTIONS,
    TELEGRAM_EXPLANATION_MAX,
    TELEGRAM_MAX_OPTIONS,
    TELEGRAM_MIN_OPTIONS,
    TELEGRAM_OPTION_MAX,
    TELEGRAM_QUESTION_MAX,
    quiz_texts,
    telegram_length,
)
from tests.content.conftest import LoadProblems
from tests.content.datasets import Documents, locations, write_documents

FILE = "quizzes.yaml"
FIRST = "cramps-night-legs-q1"


def _quizzes(docs: Documents) -> list[dict[str, Any]]:
    quizzes: list[dict[str, Any]] = docs[FILE]["quizzes"]
    return quizzes


def _first(docs: Documents) -> dict[str, Any]:
    return _quizzes(docs)[0]


# --- Telegram's limits ---------------------------------------------------------------------


def test_our_option_counts_are_inside_telegrams() -> None:
    assert TELEGRAM_MIN_OPTIONS <= MIN_OPTIONS <= MAX_OPTIONS <= TELEGRAM_MAX_OPTIONS
    assert (TELEGRAM_QUESTION_MAX, TELEGRAM_OPTION_MAX, TELEGRAM_EXPLANATION_MAX) == (
        300,
        100,
        200,
    )


@pytest.mark.parametrize(
    ("field", "limit"),
    [("question", TELEGRAM_QUESTION_MAX), ("explanation", TELEGRAM_EXPLANATION_MAX)],
)
def test_over_long_text(docs: Documents, problems_of: LoadProblems, field: str, limit: int) -> None:
    _first(docs)[field] = "m" * (limit + 1)
    problems = problems_of(docs)
    assert locations(problems) == {(FILE, FIRST, field)}
    assert f"limit is {limit}" in problems[0].message


def test_over_long_option(docs: Documents, problems_of: LoadProblems) -> None:
    _first(docs)["options"][1] = "m" * (TELEGRAM_OPTION_MAX + 1)
    problems = problems_of(docs)
    assert locations(problems) == {(FILE, FIRST, "options item 2")}
    assert f"limit is {TELEGRAM_OPTION_MAX}" in problems[0].message


def test_texts_at_the_limits_are_accepted(docs: Documents, tmp_path: Path) -> None:
    quiz = _first(docs)
    quiz["question"] = "q" * TELEGRAM_QUESTION_MAX
    quiz["options"] = ["a" * TELEGRAM_OPTION_MAX, "b" * TELEGRAM_OPTION_MAX, "c"]
    quiz["explanation"] = "e" * TELEGRAM_EXPLANATION_MAX
    library = load_library(write_documents(tmp_path, docs))
    assert library.quiz(FIRST).question == "q" * TELEGRAM_QUESTION_MAX


def test_length_is_counted_as_telegram_counts_it(
    docs: Documents, problems_of: LoadProblems
) -> None:
    # Telegram counts UTF-16 code units: an emoji outside the basic plane counts 2.
    assert telegram_length("💪") == 2
    assert telegram_length("é") == 1
    _first(docs)["options"][0] = "💪" * 50 + "x"
    problems = problems_of(docs)
    assert locations(problems) == {(FILE, FIRST, "options item 1")}
    assert "101 characters" in problems[0].message


def test_surrounding_spaces_do_not_count(docs: Documents, tmp_path: Path) -> None:
    _first(docs)["options"][0] = "  " + "a" * TELEGRAM_OPTION_MAX + "\n"
    library = load_library(write_documents(tmp_path, docs))
    assert library.quiz(FIRST).options[0] == "a" * TELEGRAM_OPTION_MAX


@pytest.mark.parametrize("field", ["question", "explanation"])
def test_empty_text(docs: Documents, problems_of: LoadProblems, field: str) -> None:
    _first(docs)[field] = "  "
    problems = problems_of(docs)
    assert locations(problems) == {(FILE, FIRST, field)}
    assert "empty" in problems[0].message


def test_empty_option(docs: Documents, problems_of: LoadProblems) -> None:
    _first(docs)["options"][2] = ""
    problems = problems_of(docs)
    assert locations(problems) == {(FILE, FIRST, "options item 3")}


@pytest.mark.parametrize("field", ["question", "explanation"])
def test_text_must_be_one_line(docs: Documents, problems_of: LoadProblems, field: str) -> None:
    _first(docs)[field] = "First line.\nSecond line."
    problems = problems_of(docs)
    assert locations(problems) == {(FILE, FIRST, field)}
    assert "one line" in problems[0].message


@pytest.mark.parametrize("count", [0, 1, 2, 5, 11])
def test_three_or_four_options(docs: Documents, problems_of: LoadProblems, count: int) -> None:
    quiz = _first(docs)
    quiz["options"] = [f"Option {name}" for name in "abcdefghijk"[:count]]
    quiz["correct"] = 0
    problems = problems_of(docs)
    assert locations(problems) == {(FILE, FIRST, "options")}
    assert f"has {count} options; give 3 or 4" in problems[0].message


def test_four_options_are_accepted(docs: Documents, tmp_path: Path) -> None:
    quiz = _first(docs)
    quiz["options"] = ["One", "Two", "Three", "Four"]
    quiz["correct"] = 3
    library = load_library(write_documents(tmp_path, docs))
    assert library.quiz(FIRST).answer == "Four"


@pytest.mark.parametrize("correct", [3, -1, 10])
def test_correct_index_must_be_in_range(
    docs: Documents, problems_of: LoadProblems, correct: int
) -> None:
    _first(docs)["correct"] = correct
    problems = problems_of(docs)
    assert locations(problems) == {(FILE, FIRST, "correct")}
    assert "numbered 0 to 2" in problems[0].message


@pytest.mark.parametrize("correct", [True, "1", 1.0, None])
def test_correct_index_must_be_a_whole_number(
    docs: Documents, problems_of: LoadProblems, correct: object
) -> None:
    _first(docs)["correct"] = correct
    problems = problems_of(docs)
    assert locations(problems) == {(FILE, FIRST, "correct")}


def test_correct_counts_from_zero(docs: Documents, tmp_path: Path) -> None:
    library = load_library(write_documents(tmp_path, docs))
    assert library.quiz(FIRST).answer == "Over-excite them"
    assert library.quiz("sleep-glycinate-q1").answer == "A clinician"


# --- MagBot's rules ------------------------------------------------------------------------


@pytest.mark.parametrize("repeat", ["Over-excite them", "over-excite  THEM"])
def test_no_duplicate_options(docs: Documents, problems_of: LoadProblems, repeat: str) -> None:
    _first(docs)["options"][2] = repeat
    problems = problems_of(docs)
    assert locations(problems) == {(FILE, FIRST, "options")}
    assert "options 1 and 3 are the same" in problems[0].message


@pytest.mark.parametrize("option", ["All of the above", "none of the above.", "Both of the above"])
def test_no_all_of_the_above(docs: Documents, problems_of: LoadProblems, option: str) -> None:
    _first(docs)["options"][1] = option
    problems = problems_of(docs)
    assert locations(problems) == {(FILE, FIRST, "options item 2")}


def test_duplicate_quiz_id(docs: Documents, problems_of: LoadProblems) -> None:
    _quizzes(docs)[1]["id"] = FIRST
    problems = problems_of(docs)
    assert locations(problems) == {(FILE, FIRST, "id")}
    assert "duplicate id" in problems[0].message


@pytest.mark.parametrize("bad_id", ["Quiz_One", "quiz one", "x" * 49])
def test_bad_quiz_id(docs: Documents, problems_of: LoadProblems, bad_id: str) -> None:
    _first(docs)["id"] = bad_id
    problems = problems_of(docs)
    assert locations(problems) == {(FILE, bad_id, "id")}


def test_tip_must_exist(docs: Documents, problems_of: LoadProblems) -> None:
    _quizzes(docs)[1]["tip"] = "cramps-at-night"
    problems = problems_of(docs)
    assert locations(problems) == {(FILE, "cramps-night-legs-q2", "tip")}
    assert "cramps-at-night" in problems[0].message


def test_every_tip_needs_a_question(docs: Documents, problems_of: LoadProblems) -> None:
    del _quizzes(docs)[2]
    problems = problems_of(docs)
    assert locations(problems) == {(FILE, None, "tip")}
    assert "sleep-glycinate" in problems[0].message


def test_an_empty_quiz_list_names_every_tip(docs: Documents, problems_of: LoadProblems) -> None:
    docs[FILE]["quizzes"] = []
    problems = problems_of(docs)
    assert [p.message.split("'")[1] for p in problems] == ["cramps-night-legs", "sleep-glycinate"]


def test_a_broken_question_is_not_also_reported_missing(
    docs: Documents, problems_of: LoadProblems
) -> None:
    _quizzes(docs)[2]["correct"] = 9
    problems = problems_of(docs)
    assert locations(problems) == {(FILE, "sleep-glycinate-q1", "correct")}


def test_missing_quiz_file_is_one_problem(docs: Documents, tmp_path: Path) -> None:
    directory = write_documents(tmp_path, docs)
    (directory / FILE).unlink()
    with pytest.raises(ContentError) as caught:
        load_library(directory)
    [problem] = caught.value.problems
    assert (problem.file, problem.entry_id, problem.field) == (FILE, None, None)
    assert problem.message.startswith("file is missing")


def test_a_missing_tips_file_is_not_reported_again_by_every_question(
    docs: Documents, tmp_path: Path
) -> None:
    directory = write_documents(tmp_path, docs)
    (directory / "tips.yaml").unlink()
    with pytest.raises(ContentError) as caught:
        load_library(directory)
    assert [p.file for p in caught.value.problems] == ["tips.yaml"]


@pytest.mark.parametrize("field", ["id", "tip", "question", "options", "correct", "explanation"])
def test_missing_field(docs: Documents, problems_of: LoadProblems, field: str) -> None:
    quiz = _first(docs)
    del quiz[field]
    problems = problems_of(docs)
    assert (FILE, quiz.get("id", "#1"), field) in locations(problems)


def test_unknown_field(docs: Documents, problems_of: LoadProblems) -> None:
    _first(docs)["hint"] = "Think about calcium."
    problems = problems_of(docs)
    assert locations(problems) == {(FILE, FIRST, "hint")}
    assert "unknown field" in problems[0].message


def test_every_mistake_is_listed(docs: Documents, problems_of: LoadProblems) -> None:
    quizzes = _quizzes(docs)
    quizzes[0]["question"] = "q" * 301
    quizzes[1]["options"] = ["Only one"]
    quizzes[2]["explanation"] = ""
    problems = problems_of(docs)
    assert locations(problems) == {
        (FILE, FIRST, "question"),
        (FILE, "cramps-night-legs-q2", "options"),
        (FILE, "sleep-glycinate-q1", "explanation"),
    }


# --- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "index", "text", "where"),
    [
        ("question", None, "Is 700 mg a day too much?", "question"),
        ("options", 1, "About 2,500 mg", "options item 2"),
        ("explanation", None, "Adults need 99 mg more.", "explanation"),
    ],
)
def test_number_not_in_the_reference(
    docs: Documents,
    problems_of: LoadProblems,
    field: str,
    index: int | None,
    text: str,
    where: str,
) -> None:
    quiz = _quizzes(docs)[1]
    if index is None:
        quiz[field] = text
    else:
        quiz[field][index] = text
    problems = problems_of(docs)
    assert locations(problems) == {(FILE, "cramps-night-legs-q2", where)}
    assert "not in the reference sheet" in problems[0].message


def test_thousands_need_a_comma_in_quizzes(docs: Documents, problems_of: LoadProblems) -> None:
    _quizzes(docs)[1]["options"][2] = "5000 mg"
    problems = problems_of(docs)
    assert locations(problems) == {(FILE, "cramps-night-legs-q2", "options item 3")}
    assert "5,000" in problems[0].message


def test_quiz_texts_cover_question_options_and_explanation() -> None:
    quiz = Quiz(
        id="a-q1",
        tip="a",
        question="Q 1?",
        options=("O 2", "O 3", "O 4"),
        correct=0,
        explanation="E 5.",
    )
    assert quiz_texts([quiz]) == [
        ("a-q1", "question", "Q 1?"),
        ("a-q1", "options item 1", "O 2"),
        ("a-q1", "options item 2", "O 3"),
        ("a-q1", "options item 3", "O 4"),
        ("a-q1", "explanation", "E 5."),
    ]


# --- the Library ---------------------------------------------------------------------------


@pytest.fixture
def library(docs: Documents, tmp_path: Path) -> Library:
    return load_library(write_documents(tmp_path, docs))


def test_library_quizzes_are_immutable(library: Library) -> None:
    assert isinstance(library.quizzes, tuple)
    assert isinstance(library.quizzes[0].options, tuple)
    with pytest.raises(ValidationError):
        library.quizzes[0].correct = 2  # type: ignore[misc]
    with pytest.raises(ValidationError):
        library.quizzes = ()  # type: ignore[misc]


def test_quiz_lookups(library: Library) -> None:
    assert library.quiz(FIRST).tip == "cramps-night-legs"
    assert [q.id for q in library.quizzes_for_tip("cramps-night-legs")] == [
        "cramps-night-legs-q1",
        "cramps-night-legs-q2",
    ]
    assert [q.id for q in library.quizzes_for_tip("sleep-glycinate")] == ["sleep-glycinate-q1"]
    with pytest.raises(KeyError):
        library.quiz("nope")
    with pytest.raises(KeyError):
        library.quizzes_for_tip("nope")


# --- the real quizzes.yaml -----------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> Library:
    return load_library()


def test_the_real_file_loads(real: Library) -> None:
    assert len(real.quizzes) >= len(real.tips)
    assert all(MIN_OPTIONS <= len(quiz.options) <= MAX_OPTIONS for quiz in real.quizzes)


def test_every_real_tip_has_a_question(real: Library) -> None:
    assert [tip.id for tip in real.tips if not real.quizzes_for_tip(tip.id)] == []
    per_topic = Counter(real.tip(quiz.tip).topic for quiz in real.quizzes)
    assert {topic for topic in Topic if per_topic[topic] == 0} == set()


def test_every_number_in_the_real_quizzes_is_from_the_reference(real: Library) -> None:
    allowed = reference_numbers(real.foods, real.intake)
    texts = quiz_texts(real.quizzes)
    strangers = [
        (quiz_id, field, problem)
        for quiz_id, field, text in texts
        for problem in number_problems(text, allowed)
    ]
    assert strangers == []
    # The check above must have had something to look at.
    assert sum(len(extract_numbers(text)) for _, _, text in texts) > 0


def test_the_right_answer_moves_around(real: Library) -> None:
    positions = Counter(quiz.correct for quiz in real.quizzes)
    # Every position of a three-option question is used, none for more than half the quiz.
    assert {0, 1, 2} <= set(positions)
    assert max(positions.values()) <= len(real.quizzes) / 2


_WORD = re.compile(r"[a-z]{5,}")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower())) - {"magnesium"}


def test_each_explanation_points_back_to_its_tip(real: Library) -> None:
    # A question filed under the wrong tip would share little wording with it.
    unrelated = [
        quiz.id
        for quiz in real.quizzes
        if len(
            _words(quiz.explanation)
            & _words(f"{real.tip(quiz.tip).title} {real.tip(quiz.tip).body}")
        )
        < 2
    ]
    assert unrelated == []
