"""Fixtures: a fresh small data set per test, and a loader that expects it to fail."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest

from content import ContentError, Problem, load_library
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
