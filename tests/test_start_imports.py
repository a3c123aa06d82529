"""What starting a process loads: Matplotlib only once a chart is drawn (issue 16, item 1).

Each check runs in a fresh interpreter, since this test process has long imported
everything the other tests use.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("matplotlib", "PIL")


def _loaded_after(code: str) -> dict[str, bool]:
    report = f"print(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))"
    probe = f"{code}\nimport json, sys\n{report}"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded: dict[str, bool] = json.loads(done.stdout.splitlines()[-1])
    return loaded


@pytest.mark.parametrize(
    "entry",
    [
        "import bot.server.main, bot.handlers",
        "import bot.console",
        "import scheduler.cli",
        "from bot.handlers import warm_up_all; warm_up_all()",
    ],
)
def test_starting_loads_no_plotting(entry: str) -> None:
    assert _loaded_after(entry) == dict.fromkeys(HEAVY, False)


def test_the_first_chart_loads_it() -> None:
    # The probe can tell: drawing a chart is what brings Matplotlib in.
    drawn = _loaded_after(
        "from bot.charts import Bar, ChartSpec, render_png\n"
        "render_png(ChartSpec('Top foods', (Bar('spinach', 78),), 400, '400 mg'))"
    )
    assert drawn["matplotlib"]
