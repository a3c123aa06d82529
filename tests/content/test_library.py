"""The Library object: immutable, with lookups that fail loudly."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from content import Diet, Library, Topic, load_library
from content.enums import UrgentAction
from tests.content.datasets import Documents, write_documents


@pytest.fixture
def library(docs: Documents, tmp_path: Path) -> Library:
    return load_library(write_documents(tmp_path, docs))


def test_collections_are_tuples_and_models_are_frozen(library: Library) -> None:
    assert isinstance(library.tips, tuple)
    assert isinstance(library.foods, tuple)
    assert isinstance(library.faq, tuple)
    assert isinstance(library.red_flags, tuple)
    assert isinstance(library.faq[0].phrasings, tuple)
    assert isinstance(library.foods[0].flags, frozenset)
    with pytest.raises(ValidationError):
        library.disclaimer = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        library.tips[0].body = "changed"


def test_lookups(library: Library) -> None:
    assert library.tip("sleep-glycinate").topic is Topic.SLEEP
    assert library.food("milk").mg_max == 27
    assert library.faq_entry("best-food-sources").related == ("what-does-magnesium-do",)
    with pytest.raises(KeyError):
        library.tip("nope")
    with pytest.raises(KeyError):
        library.food("nope")
    with pytest.raises(KeyError):
        library.faq_entry("nope")


def test_tips_for_topics(library: Library) -> None:
    assert [t.id for t in library.tips_for_topics([Topic.SLEEP])] == ["sleep-glycinate"]
    assert len(library.tips_for_topics([Topic.SLEEP, Topic.CRAMPS])) == 2
    assert library.tips_for_topics([]) == ()


def test_foods_for_diets_richest_first(library: Library) -> None:
    assert [f.id for f in library.foods_for_diets([Diet.VEGAN])] == ["hemp-seeds", "pumpkin-seeds"]


def test_each_load_returns_a_new_library(docs: Documents, tmp_path: Path) -> None:
    # Nothing is cached globally: a changed file is seen by the next load.
    directory = write_documents(tmp_path, docs)
    first = load_library(directory)
    docs["tips.yaml"]["tips"][0]["title"] = "A new title"
    write_documents(directory, docs)
    second = load_library(directory)
    assert first.tips[0].title == "Night-time leg cramps"
    assert second.tips[0].title == "A new title"


def test_safety_texts_are_loaded(library: Library) -> None:
    assert library.disclaimer
    assert library.onboarding_disclaimer
    assert set(library.actions) == set(UrgentAction)
    assert library.symptom_note
    assert library.red_flags[0].id == "chest-pain"
