"""/mydata and /forget through the fake Bot API, on both backends."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select

from bot.handlers.privacy import purge_expired_questions
from bot.menus.kit import EXPIRED
from bot.services import services_in
from content import Library
from devtools.fakebotapi import FakeBotAPI
from storage import privacy
from storage.models import (
    Base,
    Chat,
    ContentHistory,
    Delivery,
    FaqFeedback,
    IntakeEntry,
    UnansweredQuestion,
)
from tests.harness import TOKEN, BotHarness, start_harness, stop_harness
from tests.menu_helpers import menu, open_settings, row, tap

CHAT = 1001
TABLES = (Chat, ContentHistory, Delivery, FaqFeedback, IntakeEntry, UnansweredQuestion)


async def _with_history(bot: BotHarness, chat_id: int = CHAT) -> None:
    """A subscriber with a bit of everything the other features store."""
    await bot.send("/start", chat_id)
    now = dt.datetime.now(dt.UTC)
    async with bot.db.session() as session:
        session.add_all(
            [
                Delivery(chat_id=chat_id, local_date=now.date(), kind="tip", item_id="a",
                         status="sent", due_at=now, attempts=1),
                Delivery(chat_id=chat_id, local_date=now.date(), kind="food", item_id="b",
                         status="sent", due_at=now, attempts=1),
                ContentHistory(chat_id=chat_id, kind="tip", item_id="a", cycle=1),
                FaqFeedback(chat_id=chat_id, message_id=5, faq_id="x", helpful=True),
                UnansweredQuestion(chat_id=chat_id, text="is <b>zinc</b> & co ok?", score=0.1),
                IntakeEntry(chat_id=chat_id, local_date=now.date(), food_id="almonds",
                            servings=1.0, mg=80.0),
            ]
        )  # fmt: skip


async def _count(bot: BotHarness, table: type, chat_id: int = CHAT) -> int:
    column = table.id if table is Chat else table.chat_id  # type: ignore[attr-defined]
    async with bot.db.session() as session:
        return int(await session.scalar(select(func.count()).where(column == chat_id)) or 0)


async def test_mydata_sends_a_readable_summary_and_the_json(bot: BotHarness) -> None:
    await _with_history(bot)
    await open_settings(bot)
    await tap(bot, CHAT, "Diet")
    await tap(bot, CHAT, "Vegan")

    replies = await bot.send("/mydata")
    assert [r.method for r in replies] == ["sendMessage", "sendDocument"]
    summary = replies[0].text
    assert "Time zone: UTC" in summary and "Vegan" in summary
    assert "1 tip sent" in summary and "1 food idea sent" in summary
    assert "1 question kept" in summary and "1 food logged" in summary
    assert "2 deliveries recorded" in summary and "1 answer rated" in summary

    document = bot.api.calls_for("sendDocument")[-1]
    upload = document.files["document"]
    assert upload.filename == f"magbot-data-{CHAT}.json"
    data = json.loads(upload.data)
    assert data["chat"]["id"] == CHAT and data["chat"]["status"] == "active"
    assert data["chat"]["preferences"]["timezone"] == "UTC"
    assert data["chat"]["preferences"]["diet"] == ["vegan"]
    assert data["history_counts"]["tip_sent"] == 1 and data["history_counts"]["food_sent"] == 1
    assert data["history_counts"]["answer_ratings"] == 1
    assert data["unanswered_questions"][0]["text"] == "is <b>zinc</b> & co ok?"
    assert data["intake_log"][0]["food_id"] == "almonds"
    # The questions are in the summary too, with how long they are kept.
    assert "kept 90 days" in summary and "is &lt;b&gt;zinc&lt;/b&gt; &amp; co ok?" in summary
    # Internal bookkeeping is not the person's data.
    assert "claimed_by" not in data["chat"] and "menu_message_id" not in data["chat"]


async def test_mydata_json_holds_every_row_of_every_table_about_the_chat(bot: BotHarness) -> None:
    await _with_history(bot)
    await _with_history(bot, chat_id=2002)  # someone else's rows stay out of it
    now = dt.datetime.now(dt.UTC)
    async with bot.db.session() as session:
        # A failed delivery whose error quotes a Bot API URL, token and all.
        session.add(
            Delivery(chat_id=CHAT, local_date=now.date() - dt.timedelta(days=1), kind="tip",
                     status="failed", due_at=now, attempts=3,
                     error=f"aiohttp: ClientOSError: http://api/bot{TOKEN}/sendMessage")
        )  # fmt: skip
    await bot.send("/mydata")
    upload = bot.api.calls_for("sendDocument")[-1].files["document"]
    document = upload.data.decode()
    data = json.loads(document)
    tables = privacy.chat_tables()
    # Every table that names a chat is found from the schema, none forgotten.
    with_chat_id = {t.name for t in Base.metadata.sorted_tables if "chat_id" in t.columns}
    assert {table.name for table, _ in tables} == with_chat_id
    assert with_chat_id >= {table.__tablename__ for table in TABLES if table is not Chat}
    async with bot.db.session() as session:
        for table, column in tables:
            stored = (await session.execute(select(table).where(column == CHAT))).mappings()
            expected = [row["id"] for row in stored]
            exported = data[table.name]
            assert [row["id"] for row in exported] == expected, table.name
            assert all(set(row) == set(table.columns.keys()) for row in exported), table.name
            assert all(row[column.key] == CHAT for row in exported), table.name
    assert len(data["deliveries"]) == 3
    # The token never leaves in an error text.
    assert TOKEN not in document and TOKEN.split(":")[1] not in document
    assert "bot<redacted>/sendMessage" in document


async def test_questions_past_the_retention_are_gone_and_mydata_never_shows_them(
    fake_api: FakeBotAPI, database_url: str, library: Library
) -> None:
    harness = await start_harness(fake_api, database_url, library, question_retention="30d")
    try:
        await harness.send("/start")
        await harness.send("what's the weather in Paris tomorrow?")
        now = dt.datetime.now(dt.UTC)
        async with harness.db.session() as session:
            session.add_all(
                [
                    UnansweredQuestion(chat_id=CHAT, text="an old one", score=0.1,
                                       created_at=now - dt.timedelta(days=31)),
                    UnansweredQuestion(chat_id=CHAT, text="a recent one", score=0.1,
                                       created_at=now - dt.timedelta(days=29)),
                ]
            )  # fmt: skip
        replies = await harness.send("/mydata")
        summary = replies[0].text
        assert "kept 30 days" in summary
        assert "weather in Paris" in summary and "a recent one" in summary
        assert "an old one" not in summary
        upload = fake_api.calls_for("sendDocument")[-1].files["document"]
        texts = [q["text"] for q in json.loads(upload.data)["unanswered_questions"]]
        assert sorted(texts) == ["a recent one", "what's the weather in Paris tomorrow?"]
        async with harness.db.session() as session:
            kept = await session.scalars(select(UnansweredQuestion.text))
            assert sorted(kept) == sorted(texts)
    finally:
        await stop_harness(harness)


async def test_the_hourly_purge_deletes_questions_past_the_retention(bot: BotHarness) -> None:
    await bot.send("/start")
    now = dt.datetime.now(dt.UTC)
    async with bot.db.session() as session:
        for days in (91, 89):
            session.add(UnansweredQuestion(chat_id=CHAT, text=f"{days} days", score=0.1,
                                           created_at=now - dt.timedelta(days=days)))  # fmt: skip
    job_queue = bot.application.job_queue
    assert job_queue is not None
    [job] = job_queue.get_jobs_by_name("purge-unanswered-questions")
    assert job.job.trigger.interval == dt.timedelta(hours=1)
    await job.run(bot.application)
    async with bot.db.session() as session:
        assert list(await session.scalars(select(UnansweredQuestion.text))) == ["89 days"]
    assert await purge_expired_questions(services_in(bot.application), now) == 0


async def test_menu_buttons_from_before_forget_never_work_again(bot: BotHarness) -> None:
    await bot.send("/start")
    old = await open_settings(bot)
    await bot.send("/forget")
    await tap(bot, CHAT, "Yes, delete")
    await bot.send("/start")
    new = await open_settings(bot)
    old_data = {data for _, data in old.buttons}
    assert old_data and not old_data & {data for _, data in new.buttons}
    message_id = bot.last_message_id(CHAT)
    replies, answer = await bot.press(CHAT, message_id, old.button("⏰"))
    assert replies == [] and answer is not None
    assert answer.params.get("text") == EXPIRED


async def test_mydata_for_an_unknown_chat(bot: BotHarness) -> None:
    replies = await bot.send("/mydata")
    assert [r.method for r in replies] == ["sendMessage"]
    assert "nothing" in replies[0].text


async def test_forget_asks_first_and_cancel_keeps_everything(bot: BotHarness) -> None:
    await _with_history(bot)
    confirm = menu(await bot.send("/forget"))
    assert "cannot be undone" in confirm.text
    replies, _ = await tap(bot, CHAT, "Cancel")
    assert "nothing was deleted" in replies[0].text and not replies[0].buttons
    for table in TABLES:
        assert await _count(bot, table) >= 1, table


async def test_forget_deletes_the_chat_and_everything_about_it(bot: BotHarness) -> None:
    await _with_history(bot)
    await _with_history(bot, chat_id=2002)  # someone else, who must keep their data
    settings_id = (await open_settings(bot)) and bot.last_message_id(CHAT)
    await bot.send("/forget")
    replies, answer = await tap(bot, CHAT, "Yes, delete")
    assert answer == "Deleted"
    assert replies[0].method == "editMessageText" and "deleted everything" in replies[0].text
    for table in TABLES:
        assert await _count(bot, table) == 0, table
        assert await _count(bot, table, 2002) >= 1, table
    assert await row(bot) is None

    # Afterwards the chat is unknown: old buttons expire, commands say so.
    message = bot.api.messages(CHAT)
    assert any(m.message_id == settings_id for m in message)
    assert "/start" in (await bot.send("/settings"))[0].text
    assert "nothing" in (await bot.send("/mydata"))[0].text
    assert "nothing" in (await bot.send("/forget"))[0].text
    fresh = await bot.send("/start")
    assert "Welcome to MagBot" in fresh[0].text


async def test_pressing_confirm_twice_is_harmless(bot: BotHarness) -> None:
    await _with_history(bot)
    yes = menu(await bot.send("/forget")).button("Yes, delete")
    message_id = bot.last_message_id(CHAT)
    await bot.press(CHAT, message_id, yes)
    replies, answer = await bot.press(CHAT, message_id, yes)
    assert answer is not None and "expired" in str(answer.params.get("text"))
    assert replies == []
