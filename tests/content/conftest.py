"""Fixtures: a fresh small data set per test, a loader that expects it to fail, and the
real triage (with and without its learned second opinion) for the mechanism tests."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest

from content import ContentError, Library, Problem, load_library
from content.answering import Answerer
from content.answering.triage import Triage
from tests.content.datasets import Documents, small_documents, write_documents

_SMALL = small_documents()

LoadProblems = Callable[[Documents], list[Problem]]


@pytest.fixture
def docs() -> Documents:
    """A deep copy of the small valid data set, to be broken by the test."""
    return copy.deepcopy(_SMALL)


@pytest.fixture
def problems_of(tmp_path: Path) -> LoadProblems:
    """Write the documents, load them, and return the problems (loading must fail)."""

    def load(documents: Documents) -> list[Problem]:
        directory = write_documents(tmp_path / "data", documents)
        with pytest.raises(ContentError) as caught:
            load_library(directory)
        return caught.value.problems

    return load


@pytest.fixture(scope="session")
def triage(library: Library) -> Triage:
    """The triage the bot runs: the rules and the learned second opinion."""
    return Answerer.build(library).triage


@pytest.fixture(scope="session")
def rules(library: Library, triage: Triage) -> Triage:
    """The rules alone: each mechanism must work without the learned second opinion."""
    return Triage(library.red_flags, library.concepts, triage._stemmer)
