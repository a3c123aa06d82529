"""A small, valid content data set that each test breaks in exactly one way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from content import Problem
from content.loader import DEFAULT_DATA_DIR

Documents = dict[str, Any]


def small_documents() -> Documents:
    return {
        "tips.yaml": {
            "tips": [
                {
                    "id": "cramps-night-legs",
                    "topic": "cramps",
                    "title": "Night-time leg cramps",
                    "body": "Low magnesium can let calcium over-excite muscle cells. "
                    "Add a handful of pumpkin seeds (156 mg per 1 oz) to your evening.",
                    "source": "articles",
                    "faq": "what-does-magnesium-do",
                },
                {
                    "id": "sleep-glycinate",
                    "topic": "sleep",
                    "title": "Glycinate and sleep",
                    "body": "Glycinate is often chosen for relaxation; ask a clinician first.",
                    "source": "articles",
                    "faq": "what-does-magnesium-do",
                },
            ]
        },
        "faq.yaml": {
            "faq": [
                {
                    "id": "what-does-magnesium-do",
                    "section": "how_it_works",
                    "question": "What does magnesium do for my muscles?",
                    "phrasings": [
                        "how does magnesium help muscles",
                        "what does mg even do in the body",
                        "magnesium muscle function??",
                        "why do muscles need magnesium",
                    ],
                    "keywords": ["relax", "contraction"],
                    "answer": "Calcium makes a muscle contract and magnesium helps it relax. "
                    "It also works in more than 300 enzyme systems.",
                    "related": ["best-food-sources"],
                    "disclaimer": False,
                    "source": "articles",
                },
                {
                    "id": "best-food-sources",
                    "section": "foods",
                    "question": "Which foods have the most magnesium?",
                    "phrasings": [
                        "best magnesium foods",
                        "what food has magnesium",
                        "foods high in mg",
                        "magnesium rich food list",
                    ],
                    "keywords": ["food", "seeds"],
                    "answer": "Seeds, nuts, beans and whole grains. Hemp seeds give 210 mg "
                    "in 3 tbsp (30 g).",
                    "related": ["what-does-magnesium-do"],
                    "disclaimer": False,
                    "source": "nih-ods",
                },
            ]
        },
        "foods.yaml": {
            "foods": [
                {
                    "id": "pumpkin-seeds",
                    "name": "Pumpkin seeds, roasted",
                    "aliases": ["pepitas"],
                    "serving": "1 oz (28 g)",
                    "grams": 28,
                    "mg": 156,
                    "mg_max": None,
                    "category": "seeds",
                    "flags": ["vegan", "vegetarian"],
                    "everyday": True,
                    "source": "nih-ods",
                },
                {
                    "id": "milk",
                    "name": "Milk",
                    "serving": "1 cup",
                    "grams": None,
                    "mg": 24,
                    "mg_max": 27,
                    "category": "dairy_alternatives",
                    "flags": ["vegetarian", "contains_dairy"],
                    "source": "nih-ods",
                },
                {
                    "id": "hemp-seeds",
                    "name": "Hemp seeds, hulled",
                    "serving": "3 tbsp (30 g)",
                    "grams": 30,
                    "mg": 210,
                    "category": "seeds",
                    "flags": ["vegan", "vegetarian"],
                    "source": "usda",
                },
                {
                    "id": "salmon",
                    "name": "Salmon, Atlantic, farmed, cooked",
                    "serving": "3 oz (85 g)",
                    "grams": 85,
                    "mg": 26,
                    "category": "fish",
                    "flags": ["contains_fish"],
                    "source": "nih-ods",
                },
            ]
        },
        "quizzes.yaml": {
            "quizzes": [
                {
                    "id": "cramps-night-legs-q1",
                    "tip": "cramps-night-legs",
                    "question": "What can calcium do to muscle cells when magnesium is low?",
                    "options": ["Over-excite them", "Nothing at all", "Turn them into bone"],
                    "correct": 0,
                    "explanation": "Low magnesium can let calcium over-excite muscle cells.",
                },
                {
                    "id": "cramps-night-legs-q2",
                    "tip": "cramps-night-legs",
                    "question": "How much magnesium is in 1 oz (28 g) of pumpkin seeds?",
                    "options": ["24 mg", "156 mg", "210 mg"],
                    "correct": 1,
                    "explanation": "Pumpkin seeds give 156 mg per 1 oz (28 g).",
                },
                {
                    "id": "sleep-glycinate-q1",
                    "tip": "sleep-glycinate",
                    "question": "Who should you ask before trying glycinate?",
                    "options": ["Nobody", "A friend", "A clinician", "A coach"],
                    "correct": 2,
                    "explanation": "Glycinate is often chosen to relax; ask a clinician first.",
                },
            ]
        },
        # The intake tables and safety texts are small enough to use the real files.
        "intake.yaml": _real("intake.yaml"),
        "safety.yaml": _real("safety.yaml"),
    }


def _real(name: str) -> Any:
    return yaml.load((DEFAULT_DATA_DIR / name).read_text(), Loader=yaml.CSafeLoader)


def write_documents(directory: Path, documents: Documents) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, document in documents.items():
        (directory / name).write_text(
            yaml.dump(document, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True),
            encoding="utf-8",
        )
    return directory


def locations(problems: list[Problem]) -> set[tuple[str, str | None, str | None]]:
    return {(p.file, p.entry_id, p.field) for p in problems}
