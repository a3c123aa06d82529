"""`python -m content check`: counts on success, every problem and exit 1 otherwise."""

from __future__ import annotations

import io
import itertools
import string
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from content import FaqSection, Topic
from content.cli import main
from content.loader import DEFAULT_DATA_DIR, DISCLAIMER_SECTIONS
from tests.content.datasets import Documents, write_documents

REPO = Path(__file__).resolve().parents[2]


def _names(count: int) -> list[str]:
    # Letters only: numbers in texts are checked against the reference.
    pairs = itertools.product(string.ascii_lowercase, repeat=2)
    return ["".join(pair) for pair in itertools.islice(pairs, count)]


def _complete_documents(docs: Documents) -> Documents:
    """Enough generated entries to meet every coverage target."""
    topics = list(Topic)
    docs["tips.yaml"]["tips"] = [
        {
            "id": f"tip-{name}",
            "topic": str(topics[index % len(topics)]),
            "title": f"Tip {name}",
            "body": f"Generated tip {name}.",
            "source": "articles",
            # The first generated entry, in the first section (not 'about').
            "faq": "faq-aa",
        }
        for index, name in enumerate(_names(99))
    ]
    sections = list(FaqSection)
    names = _names(45)
    docs["faq.yaml"]["faq"] = [
        {
            "id": f"faq-{name}",
            "section": str(sections[index % len(sections)]),
            "question": f"Question {name}?",
            "phrasings": [f"{name} one", f"{name} two", f"{name} three", f"{name} four"],
            "keywords": [name, "magnesium"],
            "answer": f"Answer {name}.",
            "related": [f"faq-{names[index - 1]}"],
            "disclaimer": sections[index % len(sections)] in DISCLAIMER_SECTIONS,
            "source": "articles",
        }
        for index, name in enumerate(names)
    ]
    docs["foods.yaml"] = yaml.safe_load((DEFAULT_DATA_DIR / "foods.yaml").read_text())
    docs["quizzes.yaml"]["quizzes"] = [
        {
            "id": f"quiz-{name}",
            "tip": f"tip-{name}",
            "question": f"Question {name}?",
            "options": ["One", "Two", "Three"],
            "correct": index % 3,
            "explanation": f"Explanation {name}.",
        }
        for index, name in enumerate(_names(99))
    ]
    # One tip with a second question, so per-topic counts differ from the tip counts.
    docs["quizzes.yaml"]["quizzes"].append(
        {
            "id": "quiz-extra",
            "tip": "tip-aa",
            "question": "One more?",
            "options": ["Yes", "No", "Maybe"],
            "correct": 1,
            "explanation": "One more question.",
        }
    )
    return docs


def _check(directory: Path) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["check", "--data-dir", str(directory)], out=out)
    return code, out.getvalue()


def test_complete_content_passes_with_counts(docs: Documents, tmp_path: Path) -> None:
    code, output = _check(write_documents(tmp_path, _complete_documents(docs)))
    assert code == 0, output
    lines = output.splitlines()
    assert "  tips               99" in lines
    assert "  foods              46" in lines
    assert "  FAQ entries        45" in lines
    assert "  quiz questions    100" in lines
    quiz_table = lines[lines.index("Quiz questions per topic") :]
    # tip-aa is the first generated tip (how_it_works): 9 tips, 10 questions.
    assert quiz_table[1].startswith("  How magnesium works (how_it_works)")
    assert quiz_table[1].endswith(" 10")
    assert quiz_table[2].endswith(" 9")
    assert any(
        line.startswith("  Who is at risk (risk_groups)") and line.endswith(" 9") for line in lines
    )
    assert any(line.startswith("  About MagBot (about)") and line.endswith(" 5") for line in lines)
    assert output.endswith("All content is valid.\n")


def test_valid_but_too_little_content_exits_1_listing_the_gaps(
    docs: Documents, tmp_path: Path
) -> None:
    code, output = _check(write_documents(tmp_path, docs))
    assert code == 1
    assert "  tips                2" in output.splitlines()
    assert "tips.yaml: has 2 tips; at least 90 are needed" in output
    assert "tips.yaml: has 0 tips on 'myths'; at least 6 are needed" in output
    assert "faq.yaml: has 0 FAQ entries in section 'urgent'; at least 1 are needed" in output


def test_every_problem_is_printed_one_per_line(docs: Documents, tmp_path: Path) -> None:
    docs["tips.yaml"]["tips"][0]["topic"] = "vitamins"
    docs["faq.yaml"]["faq"][0]["related"] = ["missing-entry"]
    docs["foods.yaml"]["foods"][0]["flags"] = ["vegan"]
    directory = write_documents(tmp_path, docs)
    (directory / "intake.yaml").unlink()
    code, output = _check(directory)
    assert code == 1
    lines = output.splitlines()
    assert lines[0] == "4 problem(s) found:"
    assert len(lines) == 5
    assert any(
        line.startswith("tips.yaml, entry 'cramps-night-legs', field 'topic'") for line in lines
    )
    assert any(
        line.startswith("faq.yaml, entry 'what-does-magnesium-do', field 'related'")
        for line in lines
    )
    assert any(
        line.startswith("foods.yaml, entry 'pumpkin-seeds', field 'flags'") for line in lines
    )
    assert any(line.startswith("intake.yaml: file is missing") for line in lines)


@pytest.mark.process
def test_module_entry_point_runs_as_a_process(docs: Documents, tmp_path: Path) -> None:
    directory = write_documents(tmp_path, docs)
    (directory / "tips.yaml").unlink()
    result = subprocess.run(
        [sys.executable, "-m", "content", "check", "--data-dir", str(directory)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "tips.yaml: file is missing" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.process
def test_command_is_required() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "content"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "check" in result.stderr
