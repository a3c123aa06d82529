"""Command line for content editors: `python -m content check`.

Each subcommand is one `add_*_command` function that registers its parser and handler.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TextIO

from content.coverage import coverage_problems
from content.enums import CATEGORY_LABELS, FAQ_SECTION_LABELS, TOPIC_LABELS
from content.evaluation import add_eval_command
from content.library import Library
from content.loader import DEFAULT_DATA_DIR, load_library
from content.problems import ContentError, Problem
from content.triage_training import add_train_command

Handler = Callable[[argparse.Namespace, TextIO], int]


def add_check_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "check",
        help="validate all content files and print counts",
        description="Validate every content file; list every problem and exit 1 if any.",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="folder with the YAML files (default: %(default)s)",
    )
    handler: Handler = run_check
    parser.set_defaults(handler=handler)


def run_check(args: argparse.Namespace, out: TextIO) -> int:
    try:
        library = load_library(args.data_dir)
    except ContentError as error:
        _print_problems(error.problems, out)
        return 1
    out.write(format_counts(library))
    shortfalls = coverage_problems(library)
    if shortfalls:
        out.write("\n")
        _print_problems(shortfalls, out)
        return 1
    out.write("\nAll content is valid.\n")
    return 0


def format_counts(library: Library) -> str:
    rules = sum(len(flag.when) for flag in library.red_flags)
    terms = sum(len(concept.terms) for concept in library.concepts)
    sections = [
        _table(
            "Content",
            [
                ("tips", len(library.tips)),
                ("foods", len(library.foods)),
                ("FAQ entries", len(library.faq)),
                ("quiz questions", len(library.quizzes)),
                ("red flags", len(library.red_flags)),
                ("red-flag rules", rules),
                ("triage concepts", len(library.concepts)),
                ("triage terms", terms),
            ],
        ),
        _table("Tips per topic", _counted(TOPIC_LABELS.items(), (t.topic for t in library.tips))),
        _table(
            "Quiz questions per topic",
            _counted(TOPIC_LABELS.items(), (library.tip(q.tip).topic for q in library.quizzes)),
        ),
        _table(
            "FAQ per section",
            _counted(FAQ_SECTION_LABELS.items(), (e.section for e in library.faq)),
        ),
        _table(
            "Foods per category",
            _counted(CATEGORY_LABELS.items(), (f.category for f in library.foods)),
        ),
    ]
    return "\n".join(sections)


def _counted(labels: Iterable[tuple[str, str]], keys: Iterable[str]) -> list[tuple[str, int]]:
    counts = Counter(keys)
    return [(f"{label} ({key})", counts[key]) for key, label in labels]


def _table(title: str, rows: Sequence[tuple[str, int]]) -> str:
    width = max(len(name) for name, _ in rows)
    lines = [title, *(f"  {name:<{width}}  {count:>4}" for name, count in rows)]
    return "\n".join(lines) + "\n"


def _print_problems(problems: Sequence[Problem], out: TextIO) -> None:
    out.write(f"{len(problems)} problem(s) found:\n")
    for problem in problems:
        out.write(f"{problem}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m content", description="MagBot content tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    add_check_command(commands)
    add_eval_command(commands)
    add_train_command(commands)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    return handler(args, sys.stdout if out is None else out)
