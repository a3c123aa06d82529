"""Run the fake Bot API as its own process: ``python -m devtools.fakebotapi --port N``.

The first stdout line is the root URL; the server runs until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from .server import FakeBotAPI


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devtools.fakebotapi", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", default=None, help="accept only this bot token")
    parser.add_argument("--rate-limit", type=int, default=None, help="sends per second overall")
    parser.add_argument(
        "--per-chat-limit", type=int, default=None, help="sends per second in each chat"
    )
    parser.add_argument(
        "--light",
        action="store_true",
        help="keep only counters (benchmark mode): no call log, transcripts or files",
    )
    parser.add_argument("--lenient-html", action="store_true", help="do not reject malformed HTML")
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    api = FakeBotAPI(
        token=args.token,
        rate_limit=args.rate_limit,
        per_chat_limit=args.per_chat_limit,
        record=not args.light,
        strict_html=not args.lenient_html,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    url = await api.start(args.host, args.port)
    print(url, flush=True)
    try:
        await stop.wait()
    finally:
        await api.stop()


def main(argv: list[str] | None = None) -> int:
    asyncio.run(_serve(_parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
