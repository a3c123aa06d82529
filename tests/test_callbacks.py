"""Callback data: every button the bot sends is signed for its chat, and every button
handler parses what it gets strictly: forged, garbled or copied data gets a short answer,
and nothing is stored or sent."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.menus.callbacks import MAX_BYTES, PREFIX, CallbackCodec, ref
from bot.services import services_in
from content.fields import ID_MAX_LENGTH
from storage.models import FaqFeedback, IntakeEntry
from tests.harness import TOKEN, BotHarness, Reply
from tests.menu_helpers import open_settings

CHAT = 1001
FAMILIES = (PREFIX, "ask", "vt", "log", "plan", "foods")


# ---------------------------------------------------------------- the codec


def test_signed_data_is_bound_to_its_chat_and_family() -> None:
    codec = CallbackCodec(TOKEN)
    data = codec.sign(CHAT, "log", "undo", "42")
    assert data.startswith("log|undo|42|")
    assert codec.verify(CHAT, data, "log") == ("undo", "42")
    assert codec.verify(CHAT + 1, data, "log") is None  # copied to another chat
    assert codec.verify(CHAT, data, "plan") is None  # another family's handler
    assert codec.verify(CHAT, data.replace("42", "43"), "log") is None  # edited
    assert codec.verify(CHAT, "log|undo|42", "log") is None  # no signature at all
    assert codec.verify(CHAT, "log:undo:42", "log") is None  # the old unsigned form
    assert CallbackCodec(TOKEN + "x").verify(CHAT, data, "log") is None  # another bot


def test_the_mac_is_hmac_sha256_so_buttons_already_sent_keep_working() -> None:
    # The MAC is plain HMAC-SHA256 over "<chat>|<body>", truncated: buttons already sent
    # must keep working whatever computes it, so the format is pinned to an independent one.
    key = hashlib.sha256(b"magbot/callback-data/v1\0" + TOKEN.encode()).digest()
    codec = CallbackCodec(TOKEN)
    for chat, family, fields in ((CHAT, "log", ("undo", "42")), (-100123, "ask", ("héllo 🙂",))):
        body = "|".join((family, *fields))
        mac = hmac.new(key, f"{chat}|{body}".encode(), hashlib.sha256).digest()
        data = f"{body}|{base64.urlsafe_b64encode(mac).decode()[:10]}"
        assert codec.verify(chat, data, family) == fields
        assert codec.sign(chat, family, *fields) == data


def test_the_settings_menus_keep_their_format() -> None:
    codec = CallbackCodec(TOKEN)
    data = codec.encode(CHAT, 2, "m", "tz")
    assert data.startswith("st|2|m|tz|")
    press = codec.decode(CHAT, data)
    assert press is not None and (press.version, press.action, press.arg) == (2, "m", "tz")
    assert codec.decode(CHAT, codec.sign(CHAT, PREFIX, "Z!", "m", "tz")) is None
    assert codec.decode(CHAT, codec.sign(CHAT, PREFIX, "2", "", "tz")) is None


@pytest.mark.parametrize(
    "fields",
    [("a|b",), ("x" * 60,)],
)
def test_what_cannot_be_carried_is_refused_when_signing(fields: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        CallbackCodec(TOKEN).sign(CHAT, "log", *fields)


def test_the_longest_content_ids_still_fit() -> None:
    codec = CallbackCodec(TOKEN)
    longest = "a" * ID_MAX_LENGTH
    for data in [
        codec.sign(-1001234567890, "ask", longest),
        codec.sign(-1001234567890, "vt", "+", longest),
        codec.sign(-1001234567890, "log", "pick", ref(longest), "2.25"),
        codec.sign(-1001234567890, "foods", "f", ref(longest)),
    ]:
        assert len(data.encode()) <= MAX_BYTES
    assert ref("almonds") == "almonds"
    assert ref(longest).startswith("~") and ref(longest) != ref("b" * ID_MAX_LENGTH)
    assert codec.verify(CHAT, "x" * (MAX_BYTES + 1), "x") is None


def test_buttons_are_made_only_where_they_are_signed() -> None:
    """Every keyboard button goes through bot.menus.keyboards (Buttons or Keyboard), so
    none can carry unsigned data."""
    root = Path(__file__).resolve().parent.parent / "bot"
    makers = {
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "InlineKeyboardButton(" in path.read_text()
    }
    assert makers == {"menus/keyboards.py"}


# ---------------------------------------------------------------- through the bot


async def _every_button(bot: BotHarness) -> list[str]:
    """The callback data of every keyboard a busy session gets."""
    replies: list[Reply] = []
    replies += await bot.send("/start")
    replies += await bot.send("does magnesium help me sleep")
    replies += await bot.send("what's the weather in Paris tomorrow?")
    replies += await bot.send("/ask")
    replies += await bot.send("/foods")
    replies += await bot.send("/foods spinach")
    replies += await bot.send("/foods almnd")
    replies += await bot.send("/log almonds")
    replies += await bot.send("/log 2 almnd milk")
    replies += await bot.send("/plan")
    replies.append(await open_settings(bot))
    replies += await bot.send("/pause")
    replies += await bot.send("/forget")
    return [data for reply in replies for _, data in reply.buttons]


async def test_every_button_the_bot_sends_is_signed_for_its_chat(bot: BotHarness) -> None:
    codec = services_in(bot.application).codec
    buttons = await _every_button(bot)
    assert len(buttons) > 30
    for data in buttons:
        assert len(data.encode()) <= MAX_BYTES
        mine = [f for f in FAMILIES if codec.verify(CHAT, data, f) is not None]
        assert len(mine) == 1, data
        assert codec.verify(CHAT + 1, data, mine[0]) is None, data


async def _stored(bot: BotHarness) -> tuple[int, int]:
    async with bot.db.session() as session:
        entries = await session.scalar(select(func.count()).select_from(IntakeEntry))
        votes = await session.scalar(select(func.count()).select_from(FaqFeedback))
    return int(entries or 0), int(votes or 0)


async def test_forged_and_garbled_buttons_get_a_short_answer_and_change_nothing(
    bot: BotHarness,
) -> None:
    await bot.send("/start")
    await bot.send("/log almonds")
    await bot.send("does magnesium help me sleep")
    message_id = bot.last_message_id(CHAT)
    codec = services_in(bot.application).codec
    metrics = services_in(bot.application).metrics
    before = await _stored(bot)
    forged = [
        # The unsigned forms older versions sent, and the review's Unicode digit.
        "log:undo:²",
        "log:today",
        "plan:new",
        "foods:p:top:-",
        "ask:night-leg-cramps",
        "vote:+:night-leg-cramps",
        # Signed, but for another chat.
        codec.sign(CHAT + 1, "log", "today"),
        codec.sign(CHAT + 1, "vt", "+", "magnesium-for-sleep"),
        # Signed for this chat, with fields no button of ours ever carries.
        codec.sign(CHAT, "log", "undo", "²"),
        codec.sign(CHAT, "log", "undo", "0"),
        codec.sign(CHAT, "log", "undo", "1" * 19),
        codec.sign(CHAT, "log", "add", "almonds", "1e1"),
        codec.sign(CHAT, "log", "add", "almonds", "½"),
        codec.sign(CHAT, "log", "pick", "no-such-food", "1"),
        codec.sign(CHAT, "log", "today", "extra"),
        codec.sign(CHAT, "plan", "log", "²"),
        codec.sign(CHAT, "plan", "log", "0"),
        codec.sign(CHAT, "plan", "again"),
        codec.sign(CHAT, "foods", "p", "bogus", "-"),
        codec.sign(CHAT, "foods", "g", "top"),
        codec.sign(CHAT, "ask", "no-such-entry"),
        codec.sign(CHAT, "ask", "night-leg-cramps", "x"),
        codec.sign(CHAT, "vt", "²", "magnesium-for-sleep"),
        codec.sign(CHAT, "vt", "+"),
        codec.sign(CHAT, PREFIX, "zz!", "m", "tz"),
        "st|1|m|tz|AAAAAAAAAA",
        "",
    ]
    for data in forged:
        replies, answer = await bot.press(CHAT, message_id, data)
        assert replies == [], data
        assert answer is not None, data
        text = str(answer.params.get("text") or "")
        assert 0 < len(text) <= 200, data
        assert "Sorry, something went wrong" not in text, data
    assert await _stored(bot) == before
    assert metrics.value("magbot_handler_errors_total", type="ValueError") == 0
    errors = [
        s for f in metrics.registry.collect() if f.name == "magbot_handler_errors"
        for s in f.samples if s.name == "magbot_handler_errors_total" and s.value
    ]  # fmt: skip
    assert errors == []
