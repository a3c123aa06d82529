"""Each tip's `faq` field: the FAQ entry that "Tell me more" sends under a daily tip."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest

from content import ContentError, FaqSection, Library, load_library
from content.cli import main
from tests.content.conftest import LoadProblems
from tests.content.datasets import Documents, locations, write_documents

FILE = "tips.yaml"


def _first_tip(docs: Documents) -> dict[str, Any]:
    tip: dict[str, Any] = docs[FILE]["tips"][0]
    return tip


def test_a_tip_naming_a_missing_faq_entry_is_reported(
    docs: Documents, problems_of: LoadProblems
) -> None:
    _first_tip(docs)["faq"] = "night-cramps"
    [problem] = problems_of(docs)
    assert str(problem) == (
        "tips.yaml, entry 'cramps-night-legs', field 'faq': no FAQ entry has the id 'night-cramps'"
    )


def test_the_faq_field_is_required(docs: Documents, problems_of: LoadProblems) -> None:
    del _first_tip(docs)["faq"]
    [problem] = problems_of(docs)
    assert (problem.file, problem.entry_id, problem.field) == (FILE, "cramps-night-legs", "faq")
    assert problem.message == "required field is missing"


def test_the_faq_field_is_an_id(docs: Documents, problems_of: LoadProblems) -> None:
    _first_tip(docs)["faq"] = "What does magnesium do?"
    assert locations(problems_of(docs)) == {(FILE, "cramps-night-legs", "faq")}


def test_an_entry_about_magbot_does_not_expand_a_tip(
    docs: Documents, problems_of: LoadProblems
) -> None:
    docs["faq.yaml"]["faq"][1]["section"] = str(FaqSection.ABOUT)
    _first_tip(docs)["faq"] = "best-food-sources"
    [problem] = problems_of(docs)
    assert (problem.file, problem.entry_id, problem.field) == (FILE, "cramps-night-legs", "faq")
    assert "about MagBot itself" in problem.message


def test_a_broken_faq_entry_is_not_reported_again_by_its_tips(
    docs: Documents, problems_of: LoadProblems
) -> None:
    # Both tips name this entry; its own mistake is the only problem.
    docs["faq.yaml"]["faq"][0]["answer"] = ""
    assert locations(problems_of(docs)) == {("faq.yaml", "what-does-magnesium-do", "answer")}


def test_a_missing_faq_file_is_not_reported_again_by_every_tip(
    docs: Documents, tmp_path: Path
) -> None:
    directory = write_documents(tmp_path, docs)
    (directory / "faq.yaml").unlink()
    with pytest.raises(ContentError) as caught:
        load_library(directory)
    assert [p.file for p in caught.value.problems] == ["faq.yaml"]


def test_content_check_names_the_tip(docs: Documents, tmp_path: Path) -> None:
    docs[FILE]["tips"][1]["faq"] = "glycinate-and-sleep"
    out = io.StringIO()
    code = main(["check", "--data-dir", str(write_documents(tmp_path, docs))], out=out)
    assert code == 1
    assert (
        "tips.yaml, entry 'sleep-glycinate', field 'faq': "
        "no FAQ entry has the id 'glycinate-and-sleep'"
    ) in out.getvalue().splitlines()


def test_faq_for_tip(docs: Documents, tmp_path: Path) -> None:
    docs[FILE]["tips"][1]["faq"] = "best-food-sources"
    library = load_library(write_documents(tmp_path, docs))
    assert library.faq_for_tip("cramps-night-legs").id == "what-does-magnesium-do"
    assert library.faq_for_tip("sleep-glycinate") is library.faq_entry("best-food-sources")
    with pytest.raises(KeyError):
        library.faq_for_tip("nope")


# --- the real tips.yaml --------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> Library:
    return load_library()


def test_every_real_tip_names_an_existing_faq_entry(real: Library) -> None:
    entries = {entry.id for entry in real.faq}
    assert [tip.id for tip in real.tips if tip.faq not in entries] == []
    assert all(real.faq_for_tip(tip.id).id == tip.faq for tip in real.tips)
    assert [
        tip.id for tip in real.tips if real.faq_for_tip(tip.id).section is FaqSection.ABOUT
    ] == []


_WORD = re.compile(r"[a-z]{5,}")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower())) - {"magnesium"}


def test_each_real_faq_answer_shares_wording_with_its_tip(real: Library) -> None:
    # An id copied onto the wrong tip would leave the answer with little in common with it.
    unrelated = [
        (tip.id, tip.faq)
        for tip in real.tips
        if len(
            _words(f"{tip.title} {tip.body}")
            & _words(f"{real.faq_for_tip(tip.id).question} {real.faq_for_tip(tip.id).answer}")
        )
        < 2
    ]
    assert unrelated == []
