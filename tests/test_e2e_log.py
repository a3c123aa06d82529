"""/log and /today end to end, plus the log's day boundary in different time zones."""

from __future__ import annotations

import datetime as dt
import html
import struct

import pytest
from sqlalchemy import func, select

from bot.handlers.intake_log import LogFood, Undo, Usage, parse_log, parse_several
from bot.services import services_in
from bot.supplement_dose import GLYCINATE, SupplementDose
from content.enums import UrgentAction
from storage import Database, chats, intake
from storage.models import IntakeEntry
from tests.harness import BotHarness, set_chat

CHAT = 1001
EAST = "Pacific/Kiritimati"  # UTC+14
WEST = "Pacific/Pago_Pago"  # UTC-11


async def entries(bot: BotHarness, chat_id: int = CHAT) -> list[IntakeEntry]:
    async with bot.db.session() as session:
        return list(
            await session.scalars(
                select(IntakeEntry).where(IntakeEntry.chat_id == chat_id).order_by(IntakeEntry.id)
            )
        )


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("almonds", LogFood("almonds", 1.0)),
        ("spinach 2", LogFood("spinach", 2.0)),
        ("1.5 black beans", LogFood("black beans", 1.5)),
        ("1,5 black beans", LogFood("black beans", 1.5)),
        ("½ avocado", LogFood("avocado", 0.5)),
        ("2 servings of lentils", LogFood("lentils", 2.0)),
        ("lentils x2", LogFood("lentils", 2.0)),
        ("undo", Undo()),
        ("magnesium 500 mg", SupplementDose(500.0)),
        ("supplement 400", SupplementDose(400.0)),
        ("400 mg", SupplementDose(400.0)),
        ("magnesium glycinate", SupplementDose(None, GLYCINATE)),
    ],
)
def test_parse_log(text: str, expected: object) -> None:
    assert parse_log(text) == expected


@pytest.mark.parametrize(
    "text", ["", "   ", "-3 almonds", "almonds 1000", "0 almonds", "x" * 5000, "3", "almonds 80 mg"]
)
def test_parse_log_rejects_bad_input(text: str) -> None:
    assert isinstance(parse_log(text), Usage)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "almonds, 2 bananas and an apple",
            [LogFood("almonds", 1.0), LogFood("bananas", 2.0), LogFood("apple", 1.0)],
        ),
        ("almonds & spinach 2", [LogFood("almonds", 1.0), LogFood("spinach", 2.0)]),
        ("½ avocado + 1,5 black beans", [LogFood("avocado", 0.5), LogFood("black beans", 1.5)]),
        ("almonds,2 tofu", [LogFood("almonds", 1.0), LogFood("tofu", 2.0)]),
    ],
)
def test_parse_several(text: str, expected: list[LogFood]) -> None:
    assert parse_several(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "almonds",
        "1,5 almonds",  # a decimal comma, not a list
        "almonds, -3 spinach",
        "almonds, undo",
        "almonds and magnesium 500 mg",  # a supplement is never logged
        "almonds, " * 11,
        ", ,",
    ],
)
def test_parse_several_rejects_what_is_not_a_list_of_foods(text: str) -> None:
    assert parse_several(text) is None


async def test_log_several_foods_at_once(bot: BotHarness) -> None:
    await bot.send("/start")
    replies = await bot.send("/log almonds and 2 bananas")
    text = html.unescape(replies[0].text)
    assert "Logged 2 foods (144 mg)" in text
    assert "• 1 × Almonds, dry roasted: 80 mg" in text and "• 2 × Banana: 64 mg" in text
    assert [(e.food_id, e.servings, e.mg) for e in await entries(bot)] == [
        ("almonds", 1.0, 80.0),
        ("banana", 2.0, 64.0),
    ]
    # One unknown food: nothing is logged, and the nearest foods are offered.
    unknown = await bot.send("/log spinach, xyzzy")
    assert "Did you mean" in unknown[0].text and len(await entries(bot)) == 2


async def test_a_list_stops_at_the_daily_limit(bot: BotHarness) -> None:
    await bot.send("/start")
    day = intake.local_day("UTC", dt.datetime.now(dt.UTC))
    async with bot.db.session() as session:
        for _ in range(intake.MAX_ENTRIES_PER_DAY - 1):
            await intake.add_entry(session, CHAT, day, "tofu", 1, 1)
    replies = await bot.send("/log almonds, spinach")
    text = html.unescape(replies[0].text)
    assert "Logged 1 food (80 mg)" in text and "stopped after Almonds, dry roasted" in text
    assert [e.food_id for e in await entries(bot)][-1] == "almonds"
    full = await bot.send("/log almonds, spinach")
    assert "my daily limit" in full[0].text and "Logged" not in full[0].text


async def test_log_needs_start(bot: BotHarness) -> None:
    replies = await bot.send("/log almonds")
    assert "/start" in replies[0].text
    assert await entries(bot) == []


async def test_log_today_and_undo(bot: BotHarness) -> None:
    await bot.send("/start")
    await set_chat(bot, age_band="31-50", sex="female")
    first = await bot.send("/log almonds")
    assert "Logged 1 × <b>Almonds, dry roasted</b>" in first[0].text
    assert "80 mg of your RDA of 320 mg" in html.unescape(first[0].text).replace("</b>", "")
    await bot.send("/log spinach 2")
    third = await bot.send("/log 1.5 black beans")
    assert "Today: <b>326 mg</b>" in third[0].text and "102%" in third[0].text
    logged = await entries(bot)
    assert [(e.food_id, e.servings, e.mg) for e in logged] == [
        ("almonds", 1.0, 80.0),
        ("spinach", 2.0, 156.0),
        ("black-beans", 1.5, 90.0),
    ]
    today = await bot.send("/today")
    assert [r.method for r in today] == ["sendMessage", "sendPhoto"]
    assert "▓▓▓▓▓▓▓▓▓▓ 102%" in today[0].text and "Target reached" in today[0].text
    assert len(today[1].text) <= 1024
    assert png_size(bot.api.photos(CHAT)[-1]) == (1000, 600)
    undone = await bot.send("/log undo")
    assert "Removed 1.5 × Black beans" in undone[0].text and "236 mg" in undone[0].text
    assert [e.food_id for e in await entries(bot)] == ["almonds", "spinach"]


async def test_undo_button_removes_exactly_its_entry_once(bot: BotHarness) -> None:
    await bot.send("/start")
    first = await bot.send("/log almonds")
    first_id = bot.last_message_id(CHAT)
    await bot.send("/log banana")
    banana_id = bot.last_message_id(CHAT)
    pressed, _ = await bot.press(CHAT, first_id, first[0].button("Undo"))
    assert pressed[0].method == "editMessageText" and "Removed 1 × Almonds" in pressed[0].text
    assert [e.food_id for e in await entries(bot)] == ["banana"]
    again, _ = await bot.press(CHAT, first_id, first[0].button("Undo"))
    assert "already removed" in again[0].text
    assert len(await entries(bot)) == 1
    codec = services_in(bot.application).codec
    for data in [
        codec.sign(CHAT, "log", "add", "almonds", "99"),
        codec.sign(CHAT, "log", "undo", "²"),  # a Unicode digit: int() would refuse it
        codec.sign(CHAT, "log", "undo", "9" * 30),  # more than any database id
    ]:
        forged, answer = await bot.press(CHAT, first_id, data)
        assert forged == [] and answer is not None and "no longer valid" in answer.params["text"]
    unknown, _ = await bot.press(CHAT, banana_id, codec.sign(CHAT, "log", "undo", "999999"))
    assert "already removed" in unknown[0].text
    assert len(await entries(bot)) == 1


async def test_undo_all_removes_exactly_a_receipts_entries_once(bot: BotHarness) -> None:
    await bot.send("/start")
    await bot.send("/log almonds")
    receipt = await bot.send("/log spinach, 2 bananas and an apple")
    receipt_id = bot.last_message_id(CHAT)
    await bot.send("/log tofu")
    undo_all = receipt[0].button("Undo all")
    pressed, _ = await bot.press(CHAT, receipt_id, undo_all)
    text = html.unescape(pressed[0].text)
    assert pressed[0].method == "editMessageText" and "Removed 3 foods" in text
    assert "• 2 × Banana: 64 mg" in text
    # The entries logged before and after the receipt stay.
    assert [e.food_id for e in await entries(bot)] == ["almonds", "tofu"]
    again, _ = await bot.press(CHAT, receipt_id, undo_all)
    assert "Those entries were already removed" in again[0].text
    codec = services_in(bot.application).codec
    first_id = undo_all.split("|")[2]
    for data in [
        codec.sign(CHAT, "log", "undoall", first_id, "0"),  # a gap of 0 names an id twice
        codec.sign(CHAT, "log", "undoall", first_id, "1" * 10),  # more than one /log lists
        codec.sign(CHAT, "log", "undoall", first_id, "A"),
        codec.sign(CHAT, "log", "undoall", first_id),
        codec.sign(CHAT, "log", "undoall", "9" * 30, "1"),
    ]:
        forged, answer = await bot.press(CHAT, receipt_id, data)
        assert forged == [] and answer is not None and "no longer valid" in answer.params["text"]
    assert len(await entries(bot)) == 2


async def test_unknown_food_offers_three_buttons(bot: BotHarness) -> None:
    await bot.send("/start")
    replies = await bot.send("/log 2 almnd milk")
    assert "Did you mean" in replies[0].text and len(replies[0].buttons) == 3
    data = replies[0].button("Almonds")
    assert services_in(bot.application).codec.verify(CHAT, data, "log") == ("pick", "almonds", "2")
    picked, _ = await bot.press(CHAT, bot.last_message_id(CHAT), data)
    assert picked[0].method == "editMessageText"
    assert "Logged 2 × <b>Almonds, dry roasted</b>" in picked[0].text
    assert [(e.food_id, e.mg) for e in await entries(bot)] == [("almonds", 160.0)]
    nothing = await bot.send("/log шпинат")
    assert "Send /foods" in nothing[0].text and nothing[0].buttons == []


async def test_supplements_are_explained_not_logged(bot: BotHarness) -> None:
    await bot.send("/start")
    high = await bot.send("/log magnesium 500 mg")
    text = html.unescape(high[0].text)
    assert "above the upper limit" in text and "350 mg a day" in text
    assert "kidney" in text and bot.library.disclaimer.split(",")[0] in text
    assert "not added" in text
    also_high = await bot.send("/log supplement 400")
    assert "above the upper limit" in also_high[0].text
    within = await bot.send("/log magnesium 200 mg")
    assert "within that limit" in within[0].text and "kidney" in within[0].text
    await set_chat(bot, age_band="4-8", sex="male")
    child = await bot.send("/log magnesium 200mg")
    assert "110 mg a day" in child[0].text and "above the upper limit" in child[0].text
    assert await entries(bot) == []


async def test_saying_you_took_your_supplement_gets_the_supplement_note(bot: BotHarness) -> None:
    """ "took my mag" once got the FAQ entry on taking too many pills, with poison control."""
    await bot.send("/start")
    await set_chat(bot, age_band="4-8", sex="male")
    poison = bot.library.actions[UrgentAction.POISON].now
    for report in ["took my mag", "I took my magnesium this morning", "mag taken"]:
        replies = await bot.send(report)
        text = html.unescape(replies[0].text)
        assert len(replies) == 1 and text.startswith("👍 Got it.")
        assert "110 mg a day" in text and "not added" in text
        assert poison not in text and "poison" not in text.casefold()
    compound = (await bot.send("took 200mg citrate with dinner"))[0].text
    assert "about <b>32 mg of elemental magnesium</b>" in compound
    # A question keeps its FAQ answer, and nothing is logged as food.
    question = await bot.send("I took my magnesium, why do my legs still cramp?")
    assert "Got it" not in question[0].text and "cramp" in question[0].text.casefold()
    assert await entries(bot) == []


async def test_bad_input_gets_short_answers_and_logs_nothing(bot: BotHarness) -> None:
    await bot.send("/start")
    for text in [
        "/log",
        "/log -3 almonds",
        "/log almonds 1000",
        "/log " + "x" * 5000,
        "/log 💥💥💥",
        "/log <b>almonds</b> 2 <i>",
    ]:
        replies = await bot.send(text)
        assert len(replies) == 1 and len(replies[0].text) < 800
        assert "<b>almonds" not in replies[0].text and "<i>" not in replies[0].text
    assert await entries(bot) == []


async def test_log_day_follows_each_chats_time_zone(bot: BotHarness) -> None:
    for chat_id, zone in [(2001, EAST), (2002, WEST)]:
        await bot.send("/start", chat_id=chat_id)
        await set_chat(bot, chat_id, timezone=zone)
    before = dt.datetime.now(dt.UTC)
    await bot.send("/log almonds", chat_id=2001)
    await bot.send("/log almonds", chat_id=2002)
    after = dt.datetime.now(dt.UTC)
    (east,) = await entries(bot, 2001)
    (west,) = await entries(bot, 2002)
    assert east.local_date in {intake.local_day(EAST, before), intake.local_day(EAST, after)}
    assert west.local_date in {intake.local_day(WEST, before), intake.local_day(WEST, after)}
    # 25 hours apart: the two chats are never on the same calendar day.
    assert east.local_date > west.local_date
    # Yesterday's entry (in the chat's own zone) does not count towards today.
    async with bot.db.session() as session:
        await intake.add_entry(
            session, 2001, east.local_date - dt.timedelta(days=1), "spinach", 1, 78
        )
    today = await bot.send("/today", chat_id=2001)
    assert "Almonds" in today[0].text and "Spinach" not in today[0].text
    assert "<b>80 mg</b>" in today[0].text


def test_local_day_across_midnight() -> None:
    instant = dt.datetime(2024, 3, 10, 10, 30, tzinfo=dt.UTC)
    assert intake.local_day(EAST, instant) == dt.date(2024, 3, 11)  # 00:30 next day
    assert intake.local_day(WEST, instant) == dt.date(2024, 3, 9)  # 23:30 the day before
    assert intake.local_day("UTC", instant) == dt.date(2024, 3, 10)
    berlin_late = dt.datetime(2024, 3, 10, 22, 59, tzinfo=dt.UTC)
    berlin_after = dt.datetime(2024, 3, 10, 23, 1, tzinfo=dt.UTC)
    assert intake.local_day("Europe/Berlin", berlin_late) == dt.date(2024, 3, 10)
    assert intake.local_day("Europe/Berlin", berlin_after) == dt.date(2024, 3, 11)
    with pytest.raises(ValueError):
        intake.local_day("UTC", dt.datetime(2024, 3, 10))


async def test_repository_keeps_days_and_chats_apart(db: Database) -> None:
    defaults = chats.NewChatDefaults("UTC", dt.time(9), [])
    day = dt.date(2024, 3, 10)
    async with db.session() as session:
        await session.run_sync(chats.subscribe, 1, "private", defaults)
        await session.run_sync(chats.subscribe, 2, "private", defaults)
    async with db.session() as session:
        for food_id, when in [("a", day), ("b", day), ("c", day + dt.timedelta(days=1))]:
            await intake.add_entry(session, 1, when, food_id, 1, 10)
        await intake.add_entry(session, 2, day, "z", 1, 10)
    async with db.session() as session:
        assert [e.food_id for e in await intake.entries_for_day(session, 1, day)] == ["a", "b"]
        removed = await intake.undo_last(session, 1, day)
        assert removed is not None and removed.food_id == "b"
        assert await intake.remove_entries(session, 1, [removed.id]) == []
        other = (await intake.entries_for_day(session, 2, day))[0]
        first = (await intake.entries_for_day(session, 1, day))[0]
        # Another chat's entry is never removed, even named with one of this chat's.
        gone = await intake.remove_entries(session, 1, [other.id, first.id])
        assert [entry.food_id for entry in gone] == ["a"]
        assert [e.food_id for e in await intake.entries_for_day(session, 2, day)] == ["z"]
        assert await intake.undo_last(session, 1, dt.date(2000, 1, 1)) is None
    async with db.session() as session:
        # The day is empty again ("a" and "b" removed above).
        for _ in range(intake.MAX_ENTRIES_PER_DAY):
            assert await intake.add_entry(session, 1, day, "a", 1, 1) is not None
        assert await intake.add_entry(session, 1, day, "a", 1, 1) is None
        count = await session.scalar(select(func.count()).select_from(IntakeEntry))
        assert count == intake.MAX_ENTRIES_PER_DAY + 2
