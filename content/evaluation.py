"""`python -m content eval`: how well /ask answers the evaluation set in tests/ask_eval.yaml.

Three figures, each with a floor the build enforces:
- top-1 accuracy: answerable questions given the expected FAQ entry (a refusal is a miss);
- off-topic rejection: off-topic messages the bot declined to answer;
- red-flag recall: emergency messages that got the urgent-care reply.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from content.answering import Answerer
from content.eval_sets import SPLITS, message_of, read_splits
from content.loader import load_library
from content.triage_eval import (
    DEFAULT_TRIAGE_SET,
    FLOOR_FALSE_ALARMS,
    FLOOR_HOLDOUT_FALSE_ALARMS,
    FLOOR_HOLDOUT_RECALL,
    FLOOR_TUNING_RECALL,
    MAX_FALSE_ALARMS,
    MIN_HOLDOUT_RECALL,
    format_triage_report,
    load_triage_set,
    triage_above_floors,
    triage_meets_targets,
    triage_reports,
)
from content.triage_eval import MIN_RECALL as TRIAGE_MIN_RECALL

DEFAULT_EVAL_SET = Path(__file__).resolve().parent.parent / "tests" / "ask_eval.yaml"
# The targets of issue #12 for /ask.
MIN_ACCURACY = 0.92
MIN_HOLDOUT_ACCURACY = 0.88
MIN_REJECTION = 0.90
# The build's floor on held-out accuracy (never lowered): the measured 89.0 % (324/364,
# after tuning on the twenty-eighth writer's tuning part) with one question to spare. Triage's
# learned model, retrained with the sixty-first and sixty-second triage writers' tuning parts
# (2026-12-02), cost that question: it measures 88.7 % (323/364; the floor allows no miss more).
FLOOR_HOLDOUT_ACCURACY = 0.887
MIN_RECALL = 1.0


@dataclass(frozen=True)
class EvalItem:
    text: str
    # Acceptable FAQ ids; empty for off-topic; None when accuracy is not scored.
    expected: frozenset[str] | None
    red_flag: bool
    split: str

    @property
    def off_topic(self) -> bool:
        return self.expected is not None and not self.expected


@dataclass(frozen=True)
class Miss:
    kind: str
    item: EvalItem
    got: str
    confidence: float


@dataclass
class EvalReport:
    answerable: int = 0
    correct: int = 0
    off_topic: int = 0
    rejected: int = 0
    red_flags: int = 0
    flagged: int = 0
    # Messages without a red flag that triage flagged anyway (reported, not enforced).
    calm: int = 0
    false_alarms: int = 0
    misses: list[Miss] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.answerable if self.answerable else 1.0

    @property
    def rejection(self) -> float:
        return self.rejected / self.off_topic if self.off_topic else 1.0

    @property
    def recall(self) -> float:
        return self.flagged / self.red_flags if self.red_flags else 1.0

    @property
    def passes(self) -> bool:
        return (
            self.accuracy >= MIN_ACCURACY
            and self.rejection >= MIN_REJECTION
            and self.recall >= MIN_RECALL
        )


def load_eval_set(path: Path = DEFAULT_EVAL_SET) -> tuple[EvalItem, ...]:
    return tuple(_item(entry, split) for split, entry in read_splits(path))


def _item(raw: dict[str, Any], split: str) -> EvalItem:
    expected: frozenset[str] | None
    if "faq" not in raw:
        expected = None
    elif raw["faq"] is None:
        expected = frozenset()
    elif isinstance(raw["faq"], str):
        expected = frozenset({raw["faq"]})
    else:
        expected = frozenset(raw["faq"])
    return EvalItem(message_of(raw), expected, bool(raw.get("red_flag")), split)


def evaluate(answerer: Answerer, items: Iterable[EvalItem]) -> EvalReport:
    report = EvalReport()
    for item in items:
        answer = answerer.answer(item.text)
        got = answer.entry.id if answer.entry else "(no answer)"
        if item.red_flag:
            report.red_flags += 1
            if answer.red_flags:
                report.flagged += 1
            else:
                report.misses.append(Miss("missed red flag", item, got, answer.confidence))
        else:
            report.calm += 1
            if answer.red_flags:
                report.false_alarms += 1
        if item.expected is None:
            continue
        if item.off_topic:
            report.off_topic += 1
            if answer.entry is None:
                report.rejected += 1
            else:
                report.misses.append(Miss("answered off-topic", item, got, answer.confidence))
            continue
        report.answerable += 1
        if answer.entry is not None and answer.entry.id in item.expected:
            report.correct += 1
        else:
            kind = "refused" if answer.entry is None else "wrong entry"
            best = answer.alternatives[0].id if answer.entry is None and answer.alternatives else ""
            report.misses.append(
                Miss(kind, item, got if not best else f"{got}, best {best}", answer.confidence)
            )
    return report


def format_report(report: EvalReport, title: str, *, misses: bool = True) -> str:
    lines = [
        f"{title}",
        f"  top-1 accuracy       {_pct(report.accuracy)}  ({report.correct}/{report.answerable})"
        f"  floor {_pct(MIN_ACCURACY)}",
        f"  off-topic rejection  {_pct(report.rejection)}  ({report.rejected}/{report.off_topic})"
        f"  floor {_pct(MIN_REJECTION)}",
        f"  red-flag recall      {_pct(report.recall)}  ({report.flagged}/{report.red_flags})"
        f"  floor {_pct(MIN_RECALL)}",
        f"  (red-flag false alarms on other messages: {report.false_alarms}/{report.calm})",
    ]
    text = "\n".join(lines) + "\n"
    return text + _format_misses(report.misses, "  misses") if misses else text


def _format_misses(misses: Sequence[Miss], title: str) -> str:
    if not misses:
        return ""
    lines = [f"{title} ({len(misses)}):"]
    for miss in misses:
        expected = ", ".join(sorted(miss.item.expected or ())) or "(none: off-topic)"
        lines.append(
            f"    [{miss.item.split}] {miss.kind}: {miss.item.text[:70]!r}\n"
            f"        expected {expected}; got {miss.got} (confidence {miss.confidence:.2f})"
        )
    return "\n".join(lines) + "\n"


def sweep(
    answerer: Answerer, items: Sequence[EvalItem], thresholds: Iterable[float]
) -> list[tuple[float, EvalReport]]:
    return [(t, evaluate(answerer.with_threshold(t), items)) for t in thresholds]


def _pct(value: float) -> str:
    return f"{value * 100:5.1f} %"


def add_eval_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "eval",
        help="score /ask on the evaluation set",
        description="Score /ask's answers on the evaluation set; exit 1 below the floors.",
    )
    parser.add_argument("--set", type=Path, default=DEFAULT_EVAL_SET, dest="eval_set")
    parser.add_argument("--threshold", type=float, default=None, help="override the threshold")
    parser.add_argument(
        "--sweep", action="store_true", help="also print figures for a range of thresholds"
    )
    parser.add_argument("--triage-set", type=Path, default=DEFAULT_TRIAGE_SET)
    parser.add_argument(
        "--misses",
        choices=("all", "tuning", "none"),
        default="all",
        help="whose misses to list (tune against 'tuning' only: holdout stays honest)",
    )
    parser.set_defaults(handler=run_eval)


def run_eval(args: argparse.Namespace, out: TextIO) -> int:
    answerer = Answerer.build(load_library())
    if args.threshold is not None:
        answerer = answerer.with_threshold(args.threshold)
    items = load_eval_set(args.eval_set)
    report = evaluate(answerer, items)
    splits = {s: evaluate(answerer, [i for i in items if i.split == s]) for s in SPLITS}
    out.write(f"/ask evaluation ({len(items)} messages, threshold {answerer.threshold:.2f})\n\n")
    for split in SPLITS:
        out.write(format_report(splits[split], f"{split} split", misses=False) + "\n")
    out.write(format_report(report, "all messages", misses=False))
    if args.misses != "none":
        shown = [m for m in report.misses if args.misses in ("all", m.item.split)]
        out.write(_format_misses(shown, f"misses ({args.misses})"))
    if args.sweep:
        tuning = [item for item in items if item.split == "tuning"]
        out.write("\nthreshold sweep on the tuning split (accuracy / rejection):\n")
        for threshold, part in sweep(answerer, tuning, [x / 100 for x in range(20, 81, 2)]):
            out.write(f"  {threshold:.2f}  {_pct(part.accuracy)}  {_pct(part.rejection)}\n")
    triage_items = load_triage_set(args.triage_set)
    whole, by_split = triage_reports(answerer.triage, triage_items)
    out.write(f"\nTriage evaluation ({len(triage_items)} messages)\n\n")
    for split in SPLITS:
        shown_misses = args.misses in ("all", split)
        out.write(format_triage_report(by_split[split], f"{split} split", misses=shown_misses))
        out.write("\n")
    out.write(format_triage_report(whole, "all messages", misses=False))
    holdout_accuracy = splits["holdout"].accuracy
    ask_target = report.passes and holdout_accuracy >= MIN_HOLDOUT_ACCURACY
    ask_floor = report.passes and holdout_accuracy >= FLOOR_HOLDOUT_ACCURACY
    triage_target = triage_meets_targets(whole, by_split)
    triage_floor = triage_above_floors(whole, by_split)
    out.write(
        f"\ntargets: /ask {_verdict(ask_target)} (top-1 >= {_pct(MIN_ACCURACY)}, "
        f"holdout >= {_pct(MIN_HOLDOUT_ACCURACY)}, rejection >= {_pct(MIN_REJECTION)}); "
        f"triage {_verdict(triage_target)} (recall >= {_pct(TRIAGE_MIN_RECALL)}, "
        f"holdout >= {_pct(MIN_HOLDOUT_RECALL)}, false alarms <= {_pct(MAX_FALSE_ALARMS)})\n"
        f"floors (the build gate): /ask {_verdict(ask_floor)} (top-1 >= {_pct(MIN_ACCURACY)}, "
        f"rejection >= {_pct(MIN_REJECTION)}, red-flag recall >= {_pct(MIN_RECALL)} on the "
        f"whole set, holdout >= {_pct(FLOOR_HOLDOUT_ACCURACY)}"
        f"{_failing(report, holdout_accuracy)}); triage {_verdict(triage_floor)} (tuning recall >= "
        f"{_pct(FLOOR_TUNING_RECALL)}, holdout recall >= {_pct(FLOOR_HOLDOUT_RECALL)}, "
        f"holdout false alarms <= {_pct(FLOOR_HOLDOUT_FALSE_ALARMS)}, "
        f"false alarms <= {_pct(FLOOR_FALSE_ALARMS)})\n"
    )
    return 0 if ask_floor and triage_floor else 1


def _failing(report: EvalReport, holdout_accuracy: float) -> str:
    """ "; below: ..." naming the /ask floor figures that fail, or nothing."""
    failing = [
        name
        for name, ok in (
            ("top-1", report.accuracy >= MIN_ACCURACY),
            ("rejection", report.rejection >= MIN_REJECTION),
            ("red-flag recall", report.recall >= MIN_RECALL),
            ("holdout top-1", holdout_accuracy >= FLOOR_HOLDOUT_ACCURACY),
        )
        if not ok
    ]
    return f"; below: {', '.join(failing)}" if failing else ""


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"
