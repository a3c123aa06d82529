"""Quiz questions on the tips (quizzes.yaml), sized to fit Telegram's quiz polls.

Each question belongs to one tip and tests what that tip taught. Telegram refuses a quiz
whose question, options or explanation are too long, so the limits are checked here, when
the content loads, rather than when a poll is sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StrictInt, model_validator

from content.fields import EntryId
from content.problems import FieldRuleError, Problem

# Telegram's limits for a quiz poll (Bot API sendPoll).
TELEGRAM_QUESTION_MAX = 300
TELEGRAM_OPTION_MAX = 100
TELEGRAM_EXPLANATION_MAX = 200
TELEGRAM_MIN_OPTIONS = 2
TELEGRAM_MAX_OPTIONS = 10
# MagBot's own rule, inside Telegram's 2-10: three or four options per question.
MIN_OPTIONS = 3
MAX_OPTIONS = 4
# Options that make a question a guessing game rather than a test of the tip.
BANNED_OPTIONS = frozenset(
    {"all of the above", "none of the above", "both of the above", "all of these"}
)


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def _one_line(limit: int) -> Callable[[str], str]:
    """Strip the text; refuse it when empty, over `limit` or broken over several lines."""

    def check(value: str) -> str:
        stripped = value.strip()
        if not stripped:
            raise ValueError("text is empty")
        if "\n" in stripped or "\r" in stripped:
            raise ValueError("text must be one line (write it after '>-' to join the lines)")
        length = telegram_length(stripped)
        if length > limit:
            raise ValueError(f"text is {length} characters long; the limit is {limit}")
        return stripped

    return check


def _plain_option(value: str) -> str:
    if " ".join(value.casefold().rstrip(".").split()) in BANNED_OPTIONS:
        raise ValueError(f"'{value}' is not allowed: every option must be an answer on its own")
    return value


QuizQuestion = Annotated[str, AfterValidator(_one_line(TELEGRAM_QUESTION_MAX))]
QuizOption = Annotated[
    str, AfterValidator(_one_line(TELEGRAM_OPTION_MAX)), AfterValidator(_plain_option)
]
QuizExplanation = Annotated[str, AfterValidator(_one_line(TELEGRAM_EXPLANATION_MAX))]


def _option_count(options: tuple[str, ...]) -> tuple[str, ...]:
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise ValueError(
            f"has {len(options)} options; give {MIN_OPTIONS} or {MAX_OPTIONS} "
            f"(Telegram allows {TELEGRAM_MIN_OPTIONS} to {TELEGRAM_MAX_OPTIONS})"
        )
    return options


class Quiz(BaseModel):
    """One quiz question on a tip: options, the index of the right one, and why it is right."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: EntryId
    # The id of the tip the question tests.
    tip: EntryId
    question: QuizQuestion
    options: Annotated[tuple[QuizOption, ...], AfterValidator(_option_count)]
    # Index of the right option, counting from 0 (Telegram's correct_option_id).
    correct: StrictInt
    # Shown after the answer: one line pointing back to what the tip taught.
    explanation: QuizExplanation

    @model_validator(mode="after")
    def _consistent(self) -> Quiz:
        if not 0 <= self.correct < len(self.options):
            raise FieldRuleError(
                "correct",
                f"is {self.correct}, but the options are numbered 0 to {len(self.options) - 1} "
                "(0 is the first option)",
            )
        seen: dict[str, int] = {}
        for position, option in enumerate(self.options, start=1):
            first = seen.setdefault(" ".join(option.casefold().split()), position)
            if first != position:
                raise FieldRuleError(
                    "options", f"options {first} and {position} are the same: '{option}'"
                )
        return self

    @property
    def answer(self) -> str:
        """The text of the right option."""
        return self.options[self.correct]


def quizzes_by_tip(quizzes: Iterable[Quiz]) -> dict[str, tuple[Quiz, ...]]:
    """Each tip id with its questions, in file order."""
    grouped: defaultdict[str, list[Quiz]] = defaultdict(list)
    for quiz in quizzes:
        grouped[quiz.tip].append(quiz)
    return {tip_id: tuple(questions) for tip_id, questions in grouped.items()}


def quiz_problems(
    quizzes: Iterable[Quiz],
    tip_ids: Collection[str],
    *,
    file: str,
    needs_question: Iterable[str] = (),
) -> list[Problem]:
    """Questions naming a tip that does not exist, and tips in `needs_question` with none.

    `tip_ids` holds every id written in the tips file. When it is empty (the file is missing
    or unreadable) the names are not checked, so one broken file is not also reported here.
    """
    quizzes = tuple(quizzes)
    problems = (
        [
            Problem(file, quiz.id, "tip", f"no tip has the id '{quiz.tip}'")
            for quiz in quizzes
            if quiz.tip not in tip_ids
        ]
        if tip_ids
        else []
    )
    covered = {quiz.tip for quiz in quizzes}
    problems.extend(
        Problem(file, None, "tip", f"no question tests the tip '{tip_id}'; add at least one")
        for tip_id in needs_question
        if tip_id not in covered
    )
    return problems


def quiz_texts(quizzes: Iterable[Quiz]) -> list[tuple[str, str, str]]:
    """(quiz id, field, text) for every text of every question, for the number check."""
    texts: list[tuple[str, str, str]] = []
    for quiz in quizzes:
        texts.append((quiz.id, "question", quiz.question))
        texts.extend(
            (quiz.id, f"options item {number}", option)
            for number, option in enumerate(quiz.options, start=1)
        )
        texts.append((quiz.id, "explanation", quiz.explanation))
    return texts
