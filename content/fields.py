"""Constrained field types with messages a content editor can act on."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, TypeVar

from pydantic import AfterValidator

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ID_MAX_LENGTH = 48

TIP_TITLE_MAX = 80
TIP_BODY_MAX = 600
FAQ_QUESTION_MAX = 120
FAQ_ANSWER_MAX = 900
PHRASING_MAX = 200
KEYWORD_MAX = 40
NAME_MAX = 80
SERVING_MAX = 40
LABEL_MAX = 60
MESSAGE_MAX = 600
MIN_PHRASINGS = 4
MIN_KEYWORDS = 2
MIN_RELATED = 1
MAX_RELATED = 3
MIN_RED_FLAG_RULES = 1

_T = TypeVar("_T")


def _check_id(value: str) -> str:
    if not ID_PATTERN.fullmatch(value):
        raise ValueError(
            f"id '{value}' must be lowercase letters, digits and single hyphens "
            "(kebab-case), e.g. 'night-leg-cramps'"
        )
    if len(value) > ID_MAX_LENGTH:
        raise ValueError(f"id is {len(value)} characters long; the limit is {ID_MAX_LENGTH}")
    return value


def text_limit(limit: int) -> Callable[[str], str]:
    """A validator that strips a text and refuses it when empty or longer than `limit`."""

    def check(value: str) -> str:
        stripped = value.strip()
        if not stripped:
            raise ValueError("text is empty")
        if len(stripped) > limit:
            raise ValueError(f"text is {len(stripped)} characters long; the limit is {limit}")
        return stripped

    return check


def _lowercase_phrase(value: str) -> str:
    # Lowercase + single spaces so that matching code can compare phrases directly.
    return " ".join(value.split()).lower()


def _require_lowercase(value: str) -> str:
    if value != value.lower():
        raise ValueError(f"'{value}' must be written in lowercase")
    return value


def at_least(minimum: int, what: str) -> Callable[[tuple[_T, ...]], tuple[_T, ...]]:
    def check(items: tuple[_T, ...]) -> tuple[_T, ...]:
        if len(items) < minimum:
            raise ValueError(f"has {len(items)} {what}; at least {minimum} are needed")
        return items

    return check


def between(minimum: int, maximum: int, what: str) -> Callable[[tuple[_T, ...]], tuple[_T, ...]]:
    def check(items: tuple[_T, ...]) -> tuple[_T, ...]:
        if not minimum <= len(items) <= maximum:
            raise ValueError(f"has {len(items)} {what}; give between {minimum} and {maximum}")
        return items

    return check


EntryId = Annotated[str, AfterValidator(_check_id)]
TipTitle = Annotated[str, AfterValidator(text_limit(TIP_TITLE_MAX))]
TipBody = Annotated[str, AfterValidator(text_limit(TIP_BODY_MAX))]
Question = Annotated[str, AfterValidator(text_limit(FAQ_QUESTION_MAX))]
Answer = Annotated[str, AfterValidator(text_limit(FAQ_ANSWER_MAX))]
Phrasing = Annotated[str, AfterValidator(text_limit(PHRASING_MAX))]
Keyword = Annotated[str, AfterValidator(text_limit(KEYWORD_MAX)), AfterValidator(_lowercase_phrase)]
Name = Annotated[str, AfterValidator(text_limit(NAME_MAX))]
Alias = Annotated[str, AfterValidator(text_limit(NAME_MAX)), AfterValidator(_lowercase_phrase)]
Serving = Annotated[str, AfterValidator(text_limit(SERVING_MAX))]
Label = Annotated[str, AfterValidator(text_limit(LABEL_MAX))]
Message = Annotated[str, AfterValidator(text_limit(MESSAGE_MAX))]
RedFlagPhrase = Annotated[
    str, AfterValidator(text_limit(PHRASING_MAX)), AfterValidator(_require_lowercase)
]
