"""Read the YAML data files, validate everything and build one immutable Library.

Every mistake is collected (not just the first) and reported with file, entry id and field,
so an editor can fix a whole batch in one go.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from content.enums import FaqSection, UrgentAction
from content.fields import Message, text_limit
from content.intake import IntakeTables
from content.library import Library
from content.models import (
    BUILT_IN_CONCEPTS,
    REQUIRED_CONCEPTS,
    ActionText,
    Concept,
    FaqEntry,
    Food,
    RedFlag,
    Tip,
)
from content.numbers import number_problems, reference_numbers
from content.problems import ContentError, FieldRuleError, Problem
from content.quiz import Quiz, quiz_problems, quiz_texts

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"

TIPS_FILE = "tips.yaml"
FOODS_FILE = "foods.yaml"
FAQ_FILE = "faq.yaml"
INTAKE_FILE = "intake.yaml"
SAFETY_FILE = "safety.yaml"
QUIZZES_FILE = "quizzes.yaml"

DISCLAIMER_MAX = 200

# Answers in these sections talk about symptoms, doses or conditions, which always carry
# the short "see a professional" reminder.
DISCLAIMER_SECTIONS: frozenset[FaqSection] = frozenset(
    {
        FaqSection.DEFICIENCY,
        FaqSection.EXCESS,
        FaqSection.SUPPLEMENTS,
        FaqSection.OTHER_CAUSES,
        FaqSection.URGENT,
    }
)

_Entry = TypeVar("_Entry", bound=BaseModel)


class _SafetyDocument(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    actions: dict[UrgentAction, ActionText]
    symptom_note: Message
    # Shown under many answers, so it stays short.
    disclaimer: Annotated[str, AfterValidator(text_limit(DISCLAIMER_MAX))]
    onboarding_disclaimer: Message
    concepts: tuple[Concept, ...]
    red_flags: tuple[RedFlag, ...]


@dataclass(frozen=True)
class _Loaded(Generic[_Entry]):
    entries: tuple[_Entry, ...]
    # Every id written in the file, valid entry or not, so one broken entry does not
    # also show up as a broken reference elsewhere.
    ids: frozenset[str]


def load_library(data_dir: Path | None = None) -> Library:
    """Load and validate all content; raise ContentError listing every problem found."""
    directory = DEFAULT_DATA_DIR if data_dir is None else data_dir
    problems: list[Problem] = []

    tips = _load_entries(directory, TIPS_FILE, "tips", Tip, problems)
    before_foods = len(problems)
    foods = _load_entries(directory, FOODS_FILE, "foods", Food, problems)
    foods_valid = len(problems) == before_foods
    faq = _load_entries(directory, FAQ_FILE, "faq", FaqEntry, problems)
    intake = _load_document(directory, INTAKE_FILE, IntakeTables, problems)
    safety = _load_document(directory, SAFETY_FILE, _SafetyDocument, problems)
    before_quizzes = len(problems)
    quizzes = _load_entries(directory, QUIZZES_FILE, "quizzes", Quiz, problems)
    quizzes_valid = len(problems) == before_quizzes

    problems.extend(_faq_problems(faq))
    problems.extend(_tip_faq_problems(tips.entries, faq))
    problems.extend(_food_name_problems(foods.entries))
    # Every valid tip needs a question. The check waits until quizzes.yaml is valid, so that
    # a broken question is not reported a second time as a missing one.
    needs_question = [tip.id for tip in tips.entries] if quizzes_valid else []
    problems.extend(
        quiz_problems(quizzes.entries, tips.ids, file=QUIZZES_FILE, needs_question=needs_question)
    )
    if safety is not None:
        problems.extend(_red_flag_problems(safety))
    # The allowed numbers come from the food and intake tables; while those have mistakes
    # the check would flag correct numbers, so it waits until they are fixed.
    if intake is not None and foods_valid:
        problems.extend(
            _number_problems(
                tips.entries, faq.entries, safety, foods.entries, intake, quizzes.entries
            )
        )

    if problems or intake is None or safety is None:
        raise ContentError(problems)
    return Library(
        tips=tips.entries,
        foods=foods.entries,
        faq=faq.entries,
        intake=intake,
        red_flags=safety.red_flags,
        concepts=safety.concepts,
        actions=safety.actions,
        symptom_note=safety.symptom_note,
        disclaimer=safety.disclaimer,
        onboarding_disclaimer=safety.onboarding_disclaimer,
        quizzes=quizzes.entries,
    )


# --- reading files -------------------------------------------------------------------------


class _StrictYamlLoader(yaml.CSafeLoader):
    """The safe loader that refuses a key written twice in one mapping (PyYAML keeps the
    last). libyaml's parser (shipped in PyYAML's wheels) reads the files about ten times
    faster than the pure-Python one."""


def _construct_mapping(loader: _StrictYamlLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key '{key}' is written twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_StrictYamlLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def _read_yaml(directory: Path, file: str, problems: list[Problem]) -> dict[str, Any] | None:
    path = directory / file
    if not path.is_file():
        problems.append(Problem(file, None, None, f"file is missing (expected at {path})"))
        return None
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictYamlLoader)
    except yaml.YAMLError as error:
        problems.append(Problem(file, None, None, f"invalid YAML: {_yaml_error_text(error)}"))
        return None
    except UnicodeDecodeError:
        problems.append(Problem(file, None, None, "file is not UTF-8 text"))
        return None
    if document is None:
        problems.append(Problem(file, None, None, "file is empty"))
        return None
    if not isinstance(document, dict):
        problems.append(Problem(file, None, None, "the file must be a mapping of name: value"))
        return None
    return document


def _yaml_error_text(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        reason = error.problem or error.context or "cannot be read"
        if mark is not None:
            return f"{reason} (line {mark.line + 1}, column {mark.column + 1})"
        return reason
    return str(error)


# --- validating entries --------------------------------------------------------------------


def _load_entries(
    directory: Path,
    file: str,
    key: str,
    model: type[_Entry],
    problems: list[Problem],
) -> _Loaded[_Entry]:
    document = _read_yaml(directory, file, problems)
    if document is None:
        return _Loaded((), frozenset())
    for unknown in sorted(set(document) - {key}, key=str):
        problems.append(Problem(file, None, str(unknown), f"unknown section; only '{key}' is used"))
    raw_entries = document.get(key)
    if not isinstance(raw_entries, list):
        problems.append(Problem(file, None, key, f"'{key}:' must be a list of entries"))
        return _Loaded((), frozenset())

    entries: list[_Entry] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(raw_entries, start=1):
        entry_id = _entry_label(raw, position)
        if not isinstance(raw, dict):
            problems.append(Problem(file, entry_id, None, "an entry must be a set of field: value"))
            continue
        if entry_id in seen:
            problems.append(
                Problem(
                    file,
                    entry_id,
                    "id",
                    f"duplicate id: entries {seen[entry_id]} and {position} both use it",
                )
            )
        else:
            seen[entry_id] = position
        try:
            entries.append(model.model_validate(raw))
        except ValidationError as error:
            problems.extend(_problems_from(error, file, _fixed_label(entry_id)))
    return _Loaded(tuple(entries), frozenset(seen))


def _load_document(
    directory: Path, file: str, model: type[_Entry], problems: list[Problem]
) -> _Entry | None:
    document = _read_yaml(directory, file, problems)
    if document is None:
        return None
    try:
        return model.model_validate(document)
    except ValidationError as error:
        problems.extend(_problems_from(error, file, _document_entry_label(document)))
        return None


def _entry_label(raw: object, position: int) -> str:
    if isinstance(raw, dict):
        for key in ("id", "age_band"):
            value = raw.get(key)
            if isinstance(value, str) and value.strip():
                return value
    return f"#{position}"


# Maps a pydantic error location to (entry id, how many leading location parts it used).
_Locator = Callable[[tuple[int | str, ...]], tuple[str | None, int]]


def _fixed_label(entry_id: str) -> _Locator:
    def label(loc: tuple[int | str, ...]) -> tuple[str | None, int]:
        return entry_id, 0

    return label


def _document_entry_label(document: Mapping[str, Any]) -> _Locator:
    def label(loc: tuple[int | str, ...]) -> tuple[str | None, int]:
        if len(loc) >= 2 and isinstance(loc[1], int):
            items = document.get(str(loc[0]))
            if isinstance(items, list) and loc[1] < len(items):
                return f"{loc[0]} {_entry_label(items[loc[1]], loc[1] + 1)}", 2
        return None, 0

    return label


def _problems_from(
    error: ValidationError,
    file: str,
    locate: _Locator,
) -> list[Problem]:
    problems = []
    for detail in error.errors(include_url=False):
        loc = tuple(detail["loc"])
        entry_id, used = locate(loc)
        rule = detail.get("ctx", {}).get("error")
        if isinstance(rule, FieldRuleError):
            problems.append(Problem(file, rule.entry_id or entry_id, rule.field, rule.message))
            continue
        problems.append(Problem(file, entry_id, _field_name(loc[used:]), _message(detail)))
    return problems


def _field_name(loc: Sequence[int | str]) -> str | None:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"item {part + 1}")
        elif part in ("function-after", "frozenset", "tuple", "list") or "[" in part:
            # Pydantic sometimes names the validator step in the location; editors only
            # care about the field.
            continue
        else:
            parts.append(part)
    return " ".join(parts) or None


def _message(detail: Mapping[str, Any]) -> str:
    kind = detail["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (check the spelling; see content/README.md for the fields)"
    if kind == "enum":
        expected = detail.get("ctx", {}).get("expected", "")
        return f"'{detail['input']}' is not allowed; use one of {expected}"
    message = str(detail["msg"])
    return message.removeprefix("Value error, ")


# --- checks across entries -----------------------------------------------------------------


def _faq_problems(faq: _Loaded[FaqEntry]) -> list[Problem]:
    problems: list[Problem] = []
    seen_phrasings: dict[str, str] = {}
    for entry in faq.entries:
        for related in entry.related:
            if related not in faq.ids:
                problems.append(
                    Problem(FAQ_FILE, entry.id, "related", f"no FAQ entry has the id '{related}'")
                )
        if entry.section in DISCLAIMER_SECTIONS and not entry.disclaimer:
            problems.append(
                Problem(
                    FAQ_FILE,
                    entry.id,
                    "disclaimer",
                    f"answers in section '{entry.section}' must set disclaimer: true",
                )
            )
        for text in (entry.question, *entry.phrasings):
            normalised = " ".join(text.casefold().split())
            owner = seen_phrasings.setdefault(normalised, entry.id)
            if owner != entry.id:
                problems.append(
                    Problem(
                        FAQ_FILE,
                        entry.id,
                        "phrasings",
                        f"'{text}' is also a question or phrasing of '{owner}'",
                    )
                )
    return problems


def _tip_faq_problems(tips: Iterable[Tip], faq: _Loaded[FaqEntry]) -> list[Problem]:
    """Tips whose `faq` names no FAQ entry, or an entry about the bot rather than the tip.

    Names are checked against every id written in faq.yaml, so an entry with its own mistake
    is not reported again here; when that file is missing or unreadable nothing is checked.
    """
    if not faq.ids:
        return []
    sections = {entry.id: entry.section for entry in faq.entries}
    problems: list[Problem] = []
    for tip in tips:
        if tip.faq not in faq.ids:
            problems.append(
                Problem(TIPS_FILE, tip.id, "faq", f"no FAQ entry has the id '{tip.faq}'")
            )
        elif sections.get(tip.faq) is FaqSection.ABOUT:
            problems.append(
                Problem(
                    TIPS_FILE,
                    tip.id,
                    "faq",
                    f"'{tip.faq}' is about MagBot itself; name the entry that expands the tip",
                )
            )
    return problems


def _food_name_problems(foods: Iterable[Food]) -> list[Problem]:
    problems: list[Problem] = []
    owners: dict[str, str] = {}
    for food in foods:
        for field, names in (("name", (food.name,)), ("aliases", food.aliases)):
            for name in names:
                owner = owners.setdefault(name.casefold(), food.id)
                if owner != food.id:
                    problems.append(
                        Problem(FOODS_FILE, food.id, field, f"'{name}' also names '{owner}'")
                    )
    return problems


def _red_flag_problems(safety: _SafetyDocument) -> list[Problem]:
    problems: list[Problem] = [
        Problem(SAFETY_FILE, None, "actions", f"'{action}' has no text")
        for action in UrgentAction
        if action not in safety.actions
    ]
    for kind, ids in (
        ("red_flags", Counter(flag.id for flag in safety.red_flags)),
        ("concepts", Counter(concept.id for concept in safety.concepts)),
    ):
        problems.extend(
            Problem(SAFETY_FILE, f"{kind} {entry_id}", "id", "duplicate id")
            for entry_id, count in ids.items()
            if count > 1
        )
    defined = {concept.id for concept in safety.concepts}
    problems.extend(
        Problem(SAFETY_FILE, f"concepts {name}", "id", "is required by the triage code")
        for name in sorted(REQUIRED_CONCEPTS - defined)
    )
    known = defined | BUILT_IN_CONCEPTS
    for flag in safety.red_flags:
        problems.extend(
            Problem(
                SAFETY_FILE,
                f"red_flags {flag.id}",
                "ordinary_near",
                f"'{name}' is not a concept (define it under concepts:)",
            )
            for name in flag.ordinary_near
            if name not in defined
        )
        for number, rule in enumerate(flag.when, start=1):
            problems.extend(
                Problem(
                    SAFETY_FILE,
                    f"red_flags {flag.id}",
                    f"when item {number}",
                    f"'{name}' is not a concept (define it under concepts:)",
                )
                for name in rule
                if name not in known
            )
    return problems


def _number_problems(
    tips: Iterable[Tip],
    faq: Iterable[FaqEntry],
    safety: _SafetyDocument | None,
    foods: Iterable[Food],
    intake: IntakeTables,
    quizzes: Iterable[Quiz] = (),
) -> list[Problem]:
    allowed = reference_numbers(foods, intake)
    texts: list[tuple[str, str | None, str, str]] = []
    for tip in tips:
        texts += [(TIPS_FILE, tip.id, "title", tip.title), (TIPS_FILE, tip.id, "body", tip.body)]
    for entry in faq:
        texts += [
            (FAQ_FILE, entry.id, "question", entry.question),
            (FAQ_FILE, entry.id, "answer", entry.answer),
        ]
    if safety is not None:
        texts += [
            (SAFETY_FILE, None, "symptom_note", safety.symptom_note),
            (SAFETY_FILE, None, "disclaimer", safety.disclaimer),
            (SAFETY_FILE, None, "onboarding_disclaimer", safety.onboarding_disclaimer),
        ]
        for action, text in safety.actions.items():
            texts += [
                (SAFETY_FILE, f"actions {action}", "now", text.now),
                (SAFETY_FILE, f"actions {action}", "conditional", text.conditional),
            ]
        for flag in safety.red_flags:
            texts += [
                (SAFETY_FILE, f"red_flags {flag.id}", "label", flag.label),
                (SAFETY_FILE, f"red_flags {flag.id}", "advice", flag.advice),
            ]
    texts += [(QUIZZES_FILE, quiz_id, field, text) for quiz_id, field, text in quiz_texts(quizzes)]
    return [
        Problem(file, entry_id, field, message)
        for file, entry_id, field, text in texts
        for message in number_problems(text, allowed)
    ]


__all__ = ["DEFAULT_DATA_DIR", "ContentError", "load_library"]
