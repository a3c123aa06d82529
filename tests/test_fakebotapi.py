"""The fake Bot API, exercised through the real python-telegram-bot client over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import io
import json
import os
import signal
import struct
import subprocess
import sys
import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib import image as mpimg
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from devtools.fakebotapi import (
    Call,
    FakeBotAPI,
    FakeBotAPIClient,
    HtmlParseError,
    parse_html,
)

# PTB itself reads the deprecated int-valued RetryAfter.retry_after when building the error.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

TOKEN = "123456:TEST-token"
CHAT = 1001
REPO_ROOT = Path(__file__).resolve().parent.parent


def make_bot(url: str, token: str = TOKEN) -> Bot:
    return Bot(token, base_url=f"{url}/bot", base_file_url=f"{url}/file/bot")


def tiny_png(width: int, height: int) -> bytes:
    """A valid RGB PNG built by hand, so the test controls every byte."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes([200, 30, 90]) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def retry_seconds(error: RetryAfter) -> float:
    # PTB 22 is moving retry_after from int to timedelta (PTB_TIMEDELTA); accept both shapes.
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    async with make_bot(api.url) as client:
        yield client


# ---------------------------------------------------------------------- basics


async def test_get_me_reports_the_bot_user(bot: Bot, api: FakeBotAPI) -> None:
    me = await bot.get_me()

    assert me.id == 123456
    assert me.is_bot
    assert me.username == api.bot_user["username"]
    # Bot.initialize() already asked once; both calls are on record.
    assert [(call.method, call.status) for call in api.calls] == [("getMe", 200)] * 2


async def test_unknown_token_is_rejected_when_a_token_is_configured(api: FakeBotAPI) -> None:
    stranger = make_bot(api.url, token="999:wrong")
    with pytest.raises(InvalidToken):
        await stranger.initialize()
    await stranger.shutdown()
    assert api.calls[-1].status == 401


async def test_any_token_is_accepted_by_default() -> None:
    async with FakeBotAPI() as fake, make_bot(fake.url, token="42:whatever") as client:
        me = await client.get_me()
    assert me.is_bot


async def test_unknown_method_and_error_bodies_match_telegram(api: FakeBotAPI) -> None:
    api.fail_next("sendMessage", status=429, retry_after=3)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{api.url}/bot{TOKEN}/noSuchMethod") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        payload = {"chat_id": CHAT, "text": "hi"}
        async with http.post(f"{api.url}/bot{TOKEN}/sendMessage", json=payload) as response:
            assert response.status == 429
            assert await response.json() == {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 3",
                "parameters": {"retry_after": 3},
            }


async def test_json_bodies_with_json_encoded_markup_are_understood(api: FakeBotAPI) -> None:
    markup = {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}
    payload = {"chat_id": str(CHAT), "text": "Sure?", "reply_markup": json.dumps(markup)}
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{api.url}/bot{TOKEN}/sendmessage", json=payload) as response,
    ):
        body = await response.json()

    assert body["ok"] is True
    assert body["result"]["reply_markup"] == markup
    assert api.last_message(CHAT) is not None
    assert api.messages(CHAT)[0].reply_markup == markup
    # Numbers sent as strings are numbers, as Telegram reads them; texts stay texts.
    [call] = api.calls_for("sendMessage")
    assert call.chat_id == CHAT and call.params["text"] == "Sure?"


# ---------------------------------------------------------------------- sending and editing


async def test_send_message_with_html_and_keyboard(bot: Bot, api: FakeBotAPI) -> None:
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("More", callback_data="tip:more")]],
    )
    sent = await bot.send_message(
        CHAT,
        "<b>Magnesium</b> &amp; muscles",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
    )

    assert sent.text == "Magnesium & muscles"
    assert sent.chat.id == CHAT
    assert sent.from_user is not None and sent.from_user.id == 123456
    assert sent.reply_markup == keyboard
    call = api.calls_for("sendMessage")[0]
    assert call.params["chat_id"] == CHAT
    assert call.params["reply_markup"] == keyboard.to_dict()
    stored = api.last_message(CHAT)
    assert stored is not None
    assert stored.raw_text == "<b>Magnesium</b> &amp; muscles"
    assert stored.button_data() == ["tip:more"]


async def test_message_ids_increase_per_chat(bot: Bot) -> None:
    first = await bot.send_message(CHAT, "one")
    second = await bot.send_message(CHAT, "two")
    elsewhere = await bot.send_message(2002, "other chat")

    assert second.message_id == first.message_id + 1
    assert elsewhere.message_id == 1


async def test_edits_update_the_transcript(bot: Bot, api: FakeBotAPI) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(CHAT, "draft", reply_markup=keyboard)

    edited = await bot.edit_message_text(
        "final <i>text</i>", CHAT, sent.message_id, parse_mode=ParseMode.HTML, reply_markup=keyboard
    )
    assert isinstance(edited, object) and getattr(edited, "text", None) == "final text"
    await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=None)

    [message] = api.messages(CHAT)
    assert message.text == "final text"
    assert message.reply_markup is None
    assert message.edit_date is not None
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text(
            "final <i>text</i>", CHAT, sent.message_id, parse_mode=ParseMode.HTML
        )
    with pytest.raises(BadRequest, match="not found"):
        await bot.edit_message_text("x", CHAT, 999)


async def test_delete_message_removes_it(bot: Bot, api: FakeBotAPI) -> None:
    sent = await bot.send_message(CHAT, "bye")
    assert await bot.delete_message(CHAT, sent.message_id)
    assert api.messages(CHAT) == []
    with pytest.raises(BadRequest, match="not found"):
        await bot.delete_message(CHAT, sent.message_id)


async def test_send_photo_stores_the_uploaded_png(bot: Bot, api: FakeBotAPI) -> None:
    png = tiny_png(3, 2)

    sent = await bot.send_photo(
        CHAT, png, caption="Foods <b>rich</b> in Mg", parse_mode=ParseMode.HTML
    )

    assert api.photos(CHAT) == [png]
    assert sent.caption == "Foods rich in Mg"
    assert (sent.photo[-1].width, sent.photo[-1].height) == (3, 2)
    assert mpimg.imread(io.BytesIO(api.photos(CHAT)[0]), format="png").shape[:2] == (2, 3)
    upload = api.calls_for("sendPhoto")[0].files["photo"]
    assert upload.data == png
    downloaded = await (await bot.get_file(sent.photo[-1].file_id)).download_as_bytearray()
    assert bytes(downloaded) == png


async def test_send_photo_by_file_id_reuses_only_files_it_issued(bot: Bot, api: FakeBotAPI) -> None:
    png = tiny_png(3, 2)
    sent = await bot.send_photo(CHAT, png)
    again = await bot.send_photo(CHAT + 1, sent.photo[-1].file_id)
    assert again.photo[-1].file_id == sent.photo[-1].file_id
    assert api.photos(CHAT + 1) == [png]
    assert not api.calls_for("sendPhoto")[1].files
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(CHAT, "AgACAgIAAxkBAAIBogAAAA")


async def test_send_document_and_chat_action(bot: Bot, api: FakeBotAPI) -> None:
    sent = await bot.send_document(CHAT, b"a,b\n1,2\n", filename="foods.csv")
    assert await bot.send_chat_action(CHAT, "typing")

    assert sent.document is not None and sent.document.file_name == "foods.csv"
    assert api.messages(CHAT)[0].file is not None
    assert api.calls_for("sendChatAction")[0].params["action"] == "typing"


# ---------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "text",
    [
        "<b>unclosed",
        "<b>wrong</i>",
        "closing only</b>",
        "a <br> line",
        "x < y",
        "fish & chips",
        "2 > 1",
        '<span class="other">s</span>',
    ],
)
async def test_bad_html_is_rejected(bot: Bot, api: FakeBotAPI, text: str) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(CHAT, text, parse_mode=ParseMode.HTML)
    assert api.messages(CHAT) == []
    assert api.calls[-1].status == 400


async def test_escaped_html_and_all_supported_tags_are_accepted(bot: Bot) -> None:
    text = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s>"
        "<strike>k</strike><del>d</del><a href='https://t.me/x?a=1&amp;b=2'>a</a>"
        '<code>c</code><pre><code class="language-python">p</code></pre>'
        '<tg-spoiler>t</tg-spoiler><span class="tg-spoiler">sp</span>'
        "<blockquote expandable>q</blockquote> " + html.escape("<Mg> & 'K' > \"Ca\"")
    )
    sent = await bot.send_message(CHAT, text, parse_mode=ParseMode.HTML)
    assert sent.text is not None and sent.text.endswith("<Mg> & 'K' > \"Ca\"")


async def test_plain_text_may_contain_markup_characters(bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "x < y & <b>")
    assert sent.text == "x < y & <b>"


async def test_length_limits_count_visible_text(bot: Bot) -> None:
    await bot.send_message(CHAT, "<b>" + "m" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(CHAT, "m" * 4097)
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_photo(CHAT, tiny_png(1, 1), caption="c" * 1025)
    with pytest.raises(BadRequest, match="empty"):
        await bot.send_message(CHAT, "<b></b>", parse_mode=ParseMode.HTML)


async def test_callback_data_over_64_bytes_is_rejected(bot: Bot) -> None:
    await bot.send_message(
        CHAT,
        "ok",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 32)]]),
    )
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(CHAT, "too long", reply_markup=too_long)


def test_html_checker_reports_byte_offsets() -> None:
    with pytest.raises(HtmlParseError, match='Unsupported start tag "br" at byte offset 3'):
        parse_html("Mg <br>")
    with pytest.raises(HtmlParseError, match="byte offset 3"):
        parse_html("é <x>")  # é takes two bytes in UTF-8


@given(st.text())
def test_escaped_text_always_parses_back_to_itself(text: str) -> None:
    assert parse_html(html.escape(text)) == text
    assert parse_html(f"<b>{html.escape(text)}</b>") == text


# ---------------------------------------------------------------------- updates


async def test_get_updates_delivers_once_and_offset_confirms(bot: Bot, api: FakeBotAPI) -> None:
    update_id = api.send_text(CHAT, "/start now", first_name="Mia")

    [update] = await bot.get_updates(timeout=5)
    again = await bot.get_updates(timeout=0)
    confirmed = await bot.get_updates(offset=update_id + 1, timeout=0)

    assert update.update_id == update_id
    assert update.message is not None
    assert update.message.text == "/start now"
    assert update.message.chat.type == "private"
    assert update.message.from_user is not None
    assert update.message.from_user.first_name == "Mia"
    assert [(e.type, e.offset, e.length) for e in update.message.entities] == [
        ("bot_command", 0, 6)
    ]
    assert [u.update_id for u in again] == [update_id]
    assert confirmed == ()
    assert api.pending_updates() == []


async def test_long_poll_wakes_when_an_update_arrives(bot: Bot, api: FakeBotAPI) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await api.wait_for_long_poll()
    update_id = api.send_location(CHAT, 52.52, 13.40)

    [update] = await asyncio.wait_for(poll, 10)

    assert update.update_id == update_id
    assert update.message is not None and update.message.location is not None
    assert update.message.location.latitude == pytest.approx(52.52)


async def test_limit_and_group_commands(bot: Bot, api: FakeBotAPI) -> None:
    ids = [
        api.send_text(-100500, f"/foods{i}", chat_type="supergroup", title="Gym") for i in range(3)
    ]

    updates = await bot.get_updates(limit=2, timeout=0)

    assert [u.update_id for u in updates] == ids[:2]
    assert updates[0].message is not None
    assert updates[0].message.chat.title == "Gym"
    assert updates[0].message.from_user is not None
    assert updates[0].message.from_user.id != -100500


async def test_a_newer_poll_terminates_the_older_one(bot: Bot, api: FakeBotAPI) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await api.wait_for_long_poll()
    # A second Bot: one Bot keeps a single connection for getUpdates, as a second instance would.
    async with make_bot(api.url) as other_instance:
        second = asyncio.create_task(other_instance.get_updates(timeout=30))
        with pytest.raises(Conflict):
            await asyncio.wait_for(first, 10)
        api.send_text(CHAT, "hello")
        assert len(await asyncio.wait_for(second, 10)) == 1


async def test_button_press_and_callback_answer(bot: Bot, api: FakeBotAPI) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Next", callback_data="next")]])
    sent = await bot.send_message(CHAT, "Tip 1", reply_markup=keyboard)
    query_id = api.press_button(CHAT, sent.message_id, "next")

    [update] = await bot.get_updates(timeout=5)
    assert update.callback_query is not None
    assert update.callback_query.id == query_id
    assert update.callback_query.data == "next"
    assert update.callback_query.message is not None
    assert update.callback_query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query_id, text="Done")
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("forged")
    assert [(a.callback_query_id, a.text) for a in api.callback_answers] == [(query_id, "Done")]


async def test_webhook_blocks_polling_until_deleted(bot: Bot, api: FakeBotAPI) -> None:
    await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict):
        await bot.get_updates(timeout=0)
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


# ---------------------------------------------------------------------- chat info


async def test_commands_and_menu_button_round_trip(bot: Bot, api: FakeBotAPI) -> None:
    commands = [BotCommand("start", "Subscribe"), BotCommand("foods", "Magnesium-rich foods")]
    assert await bot.set_my_commands(commands)
    assert await bot.set_chat_menu_button(menu_button=MenuButtonCommands())

    assert list(await bot.get_my_commands()) == commands
    assert api.commands() == [c.to_dict() for c in commands]
    assert api.chat_menu_button() == {"type": "commands"}
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])
    assert await bot.delete_my_commands()
    assert list(await bot.get_my_commands()) == []


async def test_chat_members_follow_set_admins(bot: Bot, api: FakeBotAPI) -> None:
    group = -100777
    api.set_admins(group, [11, 12], creator=10)

    owner = await bot.get_chat_member(group, 10)
    admin = await bot.get_chat_member(group, 11)
    member = await bot.get_chat_member(group, 99)
    admins = await bot.get_chat_administrators(group)
    chat = await bot.get_chat(group)

    assert (owner.status, admin.status, member.status) == ("creator", "administrator", "member")
    assert [a.user.id for a in admins] == [10, 11, 12]
    assert chat.type == "supergroup"


# ---------------------------------------------------------------------- faults


async def test_injected_429_becomes_retry_after(bot: Bot, api: FakeBotAPI) -> None:
    api.fail_next("sendMessage", status=429, retry_after=7)

    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "tip")
    await bot.send_message(CHAT, "tip")

    assert retry_seconds(caught.value) == 7
    assert [c.status for c in api.calls_for("sendMessage")] == [429, 200]
    assert api.stats().rate_limited == 1


async def test_server_rate_limit_answers_429_with_retry_after() -> None:
    async with FakeBotAPI(rate_limit=3) as fake, make_bot(fake.url) as client:
        for i in range(3):
            await client.send_message(CHAT + i, "tip")
        with pytest.raises(RetryAfter) as caught:
            await client.send_message(CHAT + 9, "tip")
        stats = fake.stats()

    assert retry_seconds(caught.value) == 1
    assert stats.sends_accepted == 3
    assert stats.rate_limited == 1


async def test_per_chat_rate_limit_is_per_chat() -> None:
    async with FakeBotAPI(per_chat_limit=1) as fake, make_bot(fake.url) as client:
        await client.send_message(CHAT, "first")
        await client.send_message(CHAT + 1, "other chat is fine")
        with pytest.raises(RetryAfter):
            await client.send_message(CHAT, "second too soon")
        assert fake.stats().per_chat == {CHAT: 1, CHAT + 1: 1}


async def test_blocked_and_deactivated_users_get_403(bot: Bot, api: FakeBotAPI) -> None:
    api.block(CHAT)
    api.deactivate(2002)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "tip")
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_photo(CHAT, tiny_png(1, 1))
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_message(2002, "tip")
    assert api.messages(CHAT) == []
    assert api.stats().sends_accepted == 0


async def test_unknown_chat_is_bad_request(bot: Bot, api: FakeBotAPI) -> None:
    api.unknown_chat(CHAT)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(CHAT, "tip")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message("@nobody_here", "tip")


@pytest.mark.parametrize("status", [500, 502])
async def test_server_errors_become_network_errors(bot: Bot, api: FakeBotAPI, status: int) -> None:
    api.fail_next("sendMessage", status=status, count=2, chat_id=CHAT)

    await bot.send_message(2002, "other chat unaffected")
    for _ in range(2):
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(CHAT, "tip")
        assert not isinstance(caught.value, (BadRequest, Forbidden))
    await bot.send_message(CHAT, "recovered")

    assert [m.text for m in api.messages(CHAT)] == ["recovered"]


async def test_a_send_can_be_delivered_and_its_answer_lost(bot: Bot, api: FakeBotAPI) -> None:
    """After-delivery faults: the message arrives, then the bot hears a 502 or nothing."""
    api.drop_after_delivery("sendMessage", chat_id=CHAT)
    api.fail_after_delivery("sendMessage", status=502, chat_id=CHAT)

    await bot.send_message(2002, "other chat unaffected")
    with pytest.raises(NetworkError):
        await bot.send_message(CHAT, "dropped")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(CHAT, "bad gateway")
    await bot.send_message(CHAT, "answered")

    assert [m.text for m in api.messages(CHAT)] == ["dropped", "bad gateway", "answered"]
    calls = [c for c in api.calls_for("sendMessage") if c.chat_id == CHAT]
    assert [c.status for c in calls] == [0, 502, 200]


async def test_a_slow_send_times_out_but_is_still_delivered(bot: Bot, api: FakeBotAPI) -> None:
    api.delay("sendMessage", 1.0)

    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "late tip", read_timeout=0.1)
    [message] = await api.wait_for_messages(CHAT, 1, timeout=10)

    assert message.text == "late tip"


async def test_duplicates_are_counted_per_chat(bot: Bot, api: FakeBotAPI) -> None:
    await bot.send_message(CHAT, "Tip 1")
    await bot.send_message(2002, "Tip 1")
    await bot.send_message(CHAT, "Tip 1")

    stats = api.stats()
    assert stats.duplicates == 1
    assert stats.duplicate_chats == {CHAT: 1}
    assert stats.per_chat == {CHAT: 2, 2002: 1}


async def test_wait_for_call_sees_calls_made_while_waiting(bot: Bot, api: FakeBotAPI) -> None:
    waiter = asyncio.create_task(
        api.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == 2002, count=2)
    )
    await bot.send_message(CHAT, "not this one")
    await bot.send_message(2002, "a")
    await bot.send_message(2002, "b")

    calls = await waiter
    assert [c.params["text"] for c in calls] == ["a", "b"]
    with pytest.raises(TimeoutError):
        await api.wait_for_call("sendPhoto", timeout=0.2)


async def test_light_mode_keeps_only_counters() -> None:
    async with FakeBotAPI(record=False) as fake, make_bot(fake.url) as client:
        sent = await client.send_message(CHAT, "tip")
        await client.edit_message_text("tip v2", CHAT, sent.message_id)
        await client.send_photo(CHAT, tiny_png(1, 1))
        stats = fake.stats()

    assert fake.calls == []
    assert fake.messages(CHAT) == []
    assert stats.sends_accepted == 2
    assert stats.by_method["editMessageText"] == 1
    assert stats.per_chat == {CHAT: 2}


async def test_light_mode_lets_a_menu_lose_its_buttons() -> None:
    # The load test's /settings takes the buttons off the previous menu; Telegram accepts
    # that, and light mode keeps no buttons to compare with.
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Pick", callback_data="x")]])
    async with FakeBotAPI(record=False) as fake, make_bot(fake.url) as client:
        sent = await client.send_message(CHAT, "menu", reply_markup=keyboard)
        await client.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=None)
        stats = fake.stats()

    assert stats.by_status.get(400, 0) == 0
    assert stats.by_method["editMessageReplyMarkup"] == 1


async def test_light_mode_lets_a_photo_caption_be_edited() -> None:
    # The stand-in of a message light mode did not keep is no text message to refuse.
    async with FakeBotAPI(record=False) as fake, make_bot(fake.url) as client:
        sent = await client.send_photo(CHAT, tiny_png(1, 1), caption="chart")
        await client.edit_message_caption(CHAT, sent.message_id, caption="chart, this week")
        stats = fake.stats()

    assert stats.by_status.get(400, 0) == 0
    assert stats.by_method["editMessageCaption"] == 1


async def test_reset_forgets_everything(bot: Bot, api: FakeBotAPI) -> None:
    api.block(CHAT)
    api.send_text(CHAT, "hi")
    api.reset()

    await bot.send_message(CHAT, "welcome back")

    assert api.pending_updates() == []
    assert [c.method for c in api.calls] == ["sendMessage"]


# ---------------------------------------------------------------------- separate process


@pytest.fixture
def server_process() -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.fakebotapi", "--port", "0", "--rate-limit", "1000"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    try:
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


@pytest.mark.process
async def test_separate_process_is_driven_by_the_control_client(
    server_process: tuple[subprocess.Popen[str], str],
) -> None:
    process, url = server_process
    assert url.startswith("http://127.0.0.1:")

    async with FakeBotAPIClient(url) as control, make_bot(url) as client:
        update_id = await control.send_text(CHAT, "/ask cramps")
        [update] = await client.get_updates(timeout=5)
        assert update.update_id == update_id
        assert update.message is not None and update.message.text == "/ask cramps"

        await client.send_message(CHAT, "<b>Answer</b>", parse_mode=ParseMode.HTML)
        await client.send_photo(CHAT, tiny_png(2, 2))
        [call] = await control.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == CHAT)
        assert isinstance(call, Call) and call.ok
        messages = await control.wait_for_messages(CHAT, 2)
        assert messages[0].text == "Answer"
        assert await control.photos(CHAT) == [tiny_png(2, 2)]

        await control.fail_next("sendMessage", status=429, retry_after=4)
        with pytest.raises(RetryAfter) as caught:
            await client.send_message(CHAT, "again")
        assert retry_seconds(caught.value) == 4
        await control.block(2002)
        with pytest.raises(Forbidden):
            await client.send_message(2002, "tip")
        await control.fail_after_delivery("sendMessage", status=503, chat_id=CHAT)
        with pytest.raises(NetworkError):
            await client.send_message(CHAT, "delivered anyway")
        await control.drop_after_delivery("sendMessage", chat_id=CHAT)
        with pytest.raises(NetworkError):
            await client.send_message(CHAT, "dropped but delivered")

        stats = await control.stats()
        assert stats.sends_accepted == 4
        assert stats.rate_limited == 1
        assert stats.per_chat == {CHAT: 4}

        await control.reset()
        assert await control.calls() == []

    process.send_signal(signal.SIGTERM)
    assert process.wait(10) == 0
