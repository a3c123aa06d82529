"""Hypothesis throws random texts, commands, callback data and malformed updates at every
handler of the real bot (through the fake Bot API). Whatever arrives:

- no exception reaches the error handler;
- every Bot API call the bot makes is accepted (escaping, lengths, callback data sizes);
- the bot does not amplify: at most one message per incoming message, and a button tap is
  answered at most once;
- a malformed update writes nothing at all.

The bot runs on an event loop in a helper thread for the whole module, because Hypothesis
drives examples synchronously; each example waits until its update was fully handled.
"""

from __future__ import annotations

import asyncio
import string
import threading
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.handlers import all_commands
from bot.services import services_in
from content import DEFAULT_DATA_DIR, Library
from devtools.fakebotapi import FakeBotAPI
from storage.models import Base
from tests.harness import SENDS, BotHarness, start_harness, stop_harness

# Hundreds of generated examples: left out of `make check`, run by `make test`.
pytestmark = pytest.mark.slow

T = TypeVar("T")
ADMIN = 31337
CHATS = [101, 102, 103, -100500]
MESSAGE_SENDS = {"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup"}
# Documented multi-part answers: a reply may come with one extra message (e.g. a chart, or
# an urgent-care notice before the answer). Anything beyond that is amplification.
MAX_MESSAGES_PER_UPDATE = 2
EXAMPLES = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class LoopThread:
    """An event loop in a daemon thread; `run` executes a coroutine there and waits."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


class Fuzzer:
    def __init__(self, loop: LoopThread, harness: BotHarness) -> None:
        self.loop = loop
        self.bot = harness
        self.api: FakeBotAPI = harness.api
        self.metrics = services_in(harness.application).metrics

    def errors(self) -> float:
        family = self.metrics.registry.collect()
        return sum(
            sample.value
            for metric in family
            if metric.name == "magbot_handler_errors"
            for sample in metric.samples
            if sample.name == "magbot_handler_errors_total"
        )

    def rows(self) -> dict[str, int]:
        async def count() -> dict[str, int]:
            # Served counts are written in batches: earlier updates' counts land first.
            await services_in(self.bot.application).served.flush()
            async with self.bot.db.session() as session:
                return {
                    table.name: int(
                        await session.scalar(select(func.count()).select_from(table)) or 0
                    )
                    for table in Base.metadata.sorted_tables
                }

        return self.loop.run(count())

    def deliver(self, inject: Any) -> tuple[int, list[Any]]:
        """Inject an update (a callable returning its update_id) and wait until handled."""

        async def go() -> tuple[int, list[Any]]:
            mark = len(self.api.calls)
            update_id = inject()
            await self.bot.processed(update_id, limit=30)
            return update_id, self.api.calls[mark:]

        return self.loop.run(go())

    def check_calls(self, calls: list[Any], chat_id: int | None) -> None:
        refused = [(c.method, c.status, c.description) for c in calls if not c.ok]
        assert refused == [], refused
        if chat_id is not None:
            sent = [c for c in calls if c.method in MESSAGE_SENDS and _int(c.chat_id) == chat_id]
            assert len(sent) <= MAX_MESSAGES_PER_UPDATE, [c.params.get("text") for c in sent]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@pytest.fixture(scope="module")
def fuzzer(library: Library, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzer]:
    loop = LoopThread()
    database = tmp_path_factory.mktemp("fuzz") / "magbot.db"

    async def start() -> BotHarness:
        api = FakeBotAPI()
        await api.start()
        # A high flood limit: this test is about handlers, not about being muted.
        return await start_harness(
            api,
            f"sqlite+aiosqlite:///{database}",
            library,
            admin_ids=frozenset({ADMIN}),
            flood_limit=10_000,
            content_dir=DEFAULT_DATA_DIR,
        )

    harness = loop.run(start())
    try:
        yield Fuzzer(loop, harness)
    finally:

        async def stop() -> None:
            await stop_harness(harness)
            await harness.api.stop()

        loop.run(stop())
        loop.close()


# ---------------------------------------------------------------- strategies

COMMAND_NAMES = sorted({c.name for c in all_commands()} | {"ask", "start", "stats", "reload"})
any_text = st.text(max_size=300)
weird_text = st.one_of(
    any_text,
    st.text(alphabet=string.printable, max_size=200),
    st.sampled_from(["<b>", "</i>", "&amp;", "<a href='x'>", "%s%n", "\x00", "‮", "🦶" * 50]),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=3000, max_size=4200),
)
command_text = st.builds(
    lambda name, suffix, args: f"/{name}{suffix} {args}".rstrip(),
    st.sampled_from(COMMAND_NAMES) | st.text(alphabet=string.ascii_letters + "_", min_size=1),
    st.sampled_from(["", "@magbot_test_bot", "@someone_else_bot"]),
    weird_text,
)
chats = st.sampled_from(CHATS)
senders = st.sampled_from([None, ADMIN])


# ---------------------------------------------------------------- messages


@EXAMPLES
@given(text=weird_text, chat_id=chats, user_id=senders)
def test_random_texts(fuzzer: Fuzzer, text: str, chat_id: int, user_id: int | None) -> None:
    errors = fuzzer.errors()
    chat_type = "private" if chat_id > 0 else "supergroup"
    _, calls = fuzzer.deliver(
        lambda: fuzzer.api.send_text(chat_id, text, user_id=user_id, chat_type=chat_type)
    )
    fuzzer.check_calls(calls, chat_id)
    assert fuzzer.errors() == errors


@EXAMPLES
@given(text=command_text, chat_id=chats, user_id=senders)
def test_random_commands(fuzzer: Fuzzer, text: str, chat_id: int, user_id: int | None) -> None:
    errors = fuzzer.errors()
    chat_type = "private" if chat_id > 0 else "supergroup"
    _, calls = fuzzer.deliver(
        lambda: fuzzer.api.send_text(chat_id, text, user_id=user_id, chat_type=chat_type)
    )
    fuzzer.check_calls(calls, chat_id)
    assert fuzzer.errors() == errors


# ---------------------------------------------------------------- buttons


def _real_buttons(fuzzer: Fuzzer, chat_id: int) -> list[tuple[int, str]]:
    found = []
    for message in fuzzer.api.messages(chat_id):
        rows = (message.reply_markup or {}).get("inline_keyboard", [])
        for row in rows:
            for button in row:
                if "callback_data" in button:
                    found.append((message.message_id, button["callback_data"]))
    return found


def _forge(real: str, how: str, at: int, noise: str) -> str:
    """A variation of a real button's data; the draws do not depend on `real` itself."""
    if how == "real":
        return real
    if how == "cut":
        return real[: at % (len(real) + 1)]
    if how == "insert":
        cut = at % (len(real) + 1)
        forged = real[:cut] + noise + real[cut:]
    else:
        forged = noise
    while len(forged.encode()) > 64:
        forged = forged[:-1]
    return forged or "x"


@EXAMPLES
@given(
    chat_id=st.sampled_from([101, 102]),
    pick=st.integers(0, 10_000),
    how=st.sampled_from(["real", "cut", "insert", "noise"]),
    at=st.integers(0, 64),
    noise=st.text(max_size=64)
    | st.sampled_from(
        [
            "st|",
            "foods|",
            "log|",
            "plan|",
            "ask|",
            "vt|",
            "tp|",
            "tp|u|",
            "qz|",
            "qz|1|0|",
            "|||||",
            "st|zz|x||0000000000",
        ]
    ),
    target=st.sampled_from(["same", "missing", "first"]),
)
def test_random_and_forged_button_presses(
    fuzzer: Fuzzer, chat_id: int, pick: int, how: str, at: int, noise: str, target: str
) -> None:
    if not _real_buttons(fuzzer, chat_id):
        for command in ("/start", "/settings", "/foods", "/pause", "/tip", "/quiz"):
            fuzzer.deliver(lambda c=command: fuzzer.api.send_text(chat_id, c))
    buttons = _real_buttons(fuzzer, chat_id)
    # An index, not sampled_from(buttons): the set of buttons grows between examples, and
    # Hypothesis needs each example's draws to be replayable.
    message_id, real = buttons[pick % len(buttons)] if buttons else (1, "x")
    callback = _forge(real, how, at, noise)
    pressed = {"same": message_id, "missing": message_id + 1000, "first": 1}[target]
    errors = fuzzer.errors()

    def press() -> int:
        fuzzer.api.press_button(chat_id, pressed, callback)
        return int(fuzzer.api.pending_updates()[-1]["update_id"])

    _, calls = fuzzer.deliver(press)
    fuzzer.check_calls(calls, chat_id)
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert len(answers) <= 1
    assert fuzzer.errors() == errors


# ---------------------------------------------------------------- malformed updates

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False), any_text
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def _message(chat_id: int) -> dict[str, Any]:
    return {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": {"id": chat_id, "type": "private", "first_name": "Fuzz"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Fuzz"},
        "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }


@st.composite
def broken_updates(draw: st.DrawFn) -> dict[str, Any]:
    """Updates Telegram should never send: required fields missing or of the wrong type."""
    kind = draw(st.sampled_from(["message", "edited_message", "callback_query", "channel_post"]))
    body: dict[str, Any] = _message(draw(st.sampled_from([201, 202])))
    if kind == "callback_query":
        body = {"id": "1", "from": body["from"], "message": body, "data": "st|1|x||y"}
    required = {
        "message": ["message_id", "date", "chat"],
        "edited_message": ["message_id", "date", "chat"],
        "channel_post": ["message_id", "date", "chat"],
        "callback_query": ["id", "from", "chat_instance"],
    }[kind]
    victim = draw(st.sampled_from(required))
    if draw(st.booleans()) or victim not in body:
        body.pop(victim, None)
    else:
        body[victim] = draw(json_values.filter(lambda v: not isinstance(v, int | dict)))
    return {kind: body}


@st.composite
def unknown_updates(draw: st.DrawFn) -> dict[str, Any]:
    """Update kinds the bot has no business with, carrying garbage."""
    # Only kinds in allowed_updates: Telegram (and the fake) never send the others.
    key = draw(
        st.sampled_from(
            ["poll", "poll_answer", "message_reaction_count", "chat_boost", "my_chat_member"]
        )
    )
    return {key: draw(json_values)}


@EXAMPLES
@given(raw=st.one_of(broken_updates(), unknown_updates()))
# Found by Hypothesis: PTB reads this date as 1970-01-01, a well-typed Message.
@example(raw={"message": {**_message(201), "date": 0.0}})
def test_malformed_updates_write_nothing(fuzzer: Fuzzer, raw: dict[str, Any]) -> None:
    before = fuzzer.rows()
    errors = fuzzer.errors()
    _, calls = fuzzer.deliver(lambda: fuzzer.api.inject_update(raw))
    assert [c.method for c in calls if c.method in SENDS] == []
    assert fuzzer.errors() == errors
    assert fuzzer.rows() == before
