"""The real content in content/data: loads, meets the targets, and uses only reference numbers.

These depend on tips.yaml and faq.yaml, written separately; they fail until both are complete.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from content import FaqSection, Library, Topic, load_library
from content.numbers import extract_numbers, number_problems, reference_numbers

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


def test_counts_meet_the_targets(library: Library) -> None:
    assert len(library.tips) >= 90
    per_topic = Counter(tip.topic for tip in library.tips)
    assert {topic: per_topic[topic] for topic in Topic if per_topic[topic] < 6} == {}
    assert len(library.foods) >= 46
    assert len(library.faq) >= 45
    assert {entry.section for entry in library.faq} == set(FaqSection)


def test_every_number_in_tips_and_answers_is_from_the_reference(library: Library) -> None:
    allowed = reference_numbers(library.foods, library.intake)
    texts = [(tip.id, text) for tip in library.tips for text in (tip.title, tip.body)]
    texts += [(entry.id, text) for entry in library.faq for text in (entry.question, entry.answer)]
    # The loader's own rule: helpline numbers (988, 116 123, 1-800-222-1222) are whole.
    strangers = [
        (entry_id, problem)
        for entry_id, text in texts
        for problem in number_problems(text, allowed)
    ]
    assert strangers == []
    # The check above must have had something to look at.
    assert sum(len(extract_numbers(text)) for _, text in texts) > 0


@pytest.mark.process
def test_python_m_content_check_passes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "content", "check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
