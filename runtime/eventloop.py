"""The event loop the processes run on: uvloop where it is installed, asyncio's own otherwise.

uvloop runs the same asyncio code with its loop, sockets and timers in C; on the load test's
conversation it takes a sizeable share off the bot's CPU per update (docs/benchmarks.md).
It has no Windows build, so it is optional and the standard loop stays a correct fallback.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop
