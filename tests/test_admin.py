"""Admin commands: invisible to everyone else, /stats figures, /reload's all-or-nothing swap."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from sqlalchemy import update

from bot.handlers.admin import PRIVATE_ONLY
from bot.services import attach, services_in
from content import DEFAULT_DATA_DIR, Library
from devtools.fakebotapi import FakeBotAPI
from scheduler.embedded import EmbeddedDelivery
from scheduler.service import DeliveryService
from storage import broadcasts, chats
from storage.models import Chat, Delivery, FaqFeedback, FaqServed, UnansweredQuestion
from tests.harness import BotHarness, start_harness, stop_harness
from tests.scheduler.helpers import add_chat, running_engine

ADMIN = 4242
ADMIN_COMMANDS = ["/stats", "/reload", "/broadcast"]


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target


@pytest.fixture
async def admin_bot(
    fake_api: FakeBotAPI, database_url: str, library: Library, content_dir: Path
) -> AsyncIterator[BotHarness]:
    harness = await start_harness(
        fake_api, database_url, library, admin_ids=frozenset({ADMIN}), content_dir=content_dir
    )
    try:
        yield harness
    finally:
        await stop_harness(harness)


@pytest.mark.parametrize("command", ADMIN_COMMANDS)
async def test_for_others_admin_commands_are_unknown_commands(
    admin_bot: BotHarness, command: str
) -> None:
    unknown = await admin_bot.send("/zzzz", chat_id=5005)
    replies = await admin_bot.send(command, chat_id=5005)
    assert [r.text for r in replies] == [unknown[0].text.replace("/zzzz", command)]
    # In a group, an admin's colleague (not in ADMIN_IDS) is refused the same way.
    group = await admin_bot.send(command, chat_id=-100777, chat_type="supergroup", user_id=9)
    assert [r.text for r in group] == [unknown[0].text.replace("/zzzz", command)]


async def test_without_admin_ids_nobody_is_an_admin(bot: BotHarness) -> None:
    assert bot.settings.admin_ids == frozenset()
    for command in ADMIN_COMMANDS:
        replies = await bot.send(command, chat_id=ADMIN)
        assert len(replies) == 1 and "don't know the command" in replies[0].text


async def test_admin_commands_stay_out_of_help_and_the_public_menu(admin_bot: BotHarness) -> None:
    public = {c["command"] for c in admin_bot.api.commands()}
    assert not {"stats", "reload", "broadcast"} & public
    help_text = (await admin_bot.send("/help", chat_id=ADMIN))[0].text
    assert not any(command in help_text for command in ADMIN_COMMANDS)
    scoped = admin_bot.api.commands({"type": "chat", "chat_id": ADMIN})
    assert {"stats", "reload", "broadcast", "start", "help"} <= {c["command"] for c in scoped}


async def _seed(bot: BotHarness) -> None:
    for chat_id in (1, 2, 3, 4, 5):
        await bot.send("/start", chat_id=chat_id)
    await bot.send("/stop", chat_id=5)
    now = dt.datetime.now(dt.UTC)
    faq_ids = [entry.id for entry in bot.library.faq[:3]]
    async with bot.db.session() as session:
        await chats.mark_blocked(session, 4)
        await session.execute(update(Chat).where(Chat.id == 3).values(paused_indefinitely=True))
        session.add_all(
            [
                FaqServed(faq_id=faq_ids[0], count=7),
                FaqServed(faq_id=faq_ids[1], count=2),
                UnansweredQuestion(chat_id=1, text="can magnesium <b>fix</b> my wifi?", score=0.1),
                UnansweredQuestion(chat_id=2, text="what about zinc", score=0.2),
                FaqFeedback(chat_id=1, message_id=10, faq_id=faq_ids[0], helpful=True),
                FaqFeedback(chat_id=2, message_id=11, faq_id=faq_ids[0], helpful=True),
                FaqFeedback(chat_id=2, message_id=12, faq_id=faq_ids[2], helpful=False),
                Delivery(chat_id=1, local_date=now.date(), kind="tip", status="sent",
                         due_at=now, sent_at=now, attempts=1),
                Delivery(chat_id=2, local_date=now.date(), kind="tip", status="sent",
                         due_at=now, sent_at=now, attempts=1),
                Delivery(chat_id=3, local_date=now.date(), kind="tip", status="failed",
                         due_at=now, attempts=4),
                Delivery(chat_id=1, local_date=now.date() - dt.timedelta(days=3), kind="tip",
                         status="sent", due_at=now - dt.timedelta(days=3),
                         sent_at=now - dt.timedelta(days=3), attempts=1),
            ]
        )  # fmt: skip


async def test_stats_shows_the_figures(admin_bot: BotHarness) -> None:
    await _seed(admin_bot)
    [reply] = await admin_bot.send("/stats", chat_id=ADMIN)
    text = reply.text
    assert "Subscribers: 5 (active 3, paused 1, stopped 1, blocked 1)" in text
    assert "Deliveries today (UTC): failed 1, sent 2" in text
    faq = admin_bot.library.faq
    first = text.index(faq[0].question[:30])
    second = text.index(faq[1].question[:30])
    assert first < second and ": 7" in text and ": 2" in text
    assert "Unanswered</b>: 2" in text
    assert "can magnesium &lt;b&gt;fix&lt;/b&gt; my wifi?" in text  # escaped, not markup
    assert "👍 2 · 👎 1" in text
    assert f"Most 👎: {faq[2].question[:30]}" in text


@pytest.mark.parametrize("command", ADMIN_COMMANDS)
async def test_admin_commands_work_only_in_the_admins_private_chat(
    admin_bot: BotHarness, command: str
) -> None:
    await _seed(admin_bot)
    group = -100777
    admin_bot.api.set_admins(group, [ADMIN])
    replies = await admin_bot.send(
        f"{command} hello", chat_id=group, chat_type="supergroup", user_id=ADMIN
    )
    # The group sees neither the figures (people's questions among them) nor a preview.
    assert [r.text for r in replies] == [PRIVATE_ONLY]
    async with admin_bot.db.session() as session:
        assert await broadcasts.recent(session) == []


async def test_stats_on_an_empty_database(admin_bot: BotHarness) -> None:
    [reply] = await admin_bot.send("/stats", chat_id=ADMIN)
    assert "Subscribers: 0" in reply.text and "none answered yet" in reply.text


async def test_reload_swaps_content_and_a_broken_file_keeps_the_old(
    admin_bot: BotHarness, content_dir: Path
) -> None:
    safety = content_dir / "safety.yaml"
    original = safety.read_text()
    old_disclaimer = "MagBot shares general education, not medical advice"
    assert old_disclaimer in original
    new_disclaimer = "Reloaded: MagBot educates, it does not give medical advice"
    safety.write_text(original.replace(old_disclaimer, new_disclaimer))
    [reply] = await admin_bot.send("/reload", chat_id=ADMIN)
    library = admin_bot.library
    assert reply.text == (
        f"✅ Content reloaded: {len(library.tips)} tips, {len(library.faq)} FAQ answers, "
        f"{len(library.foods)} foods."
    )
    assert new_disclaimer in (await admin_bot.send("/help"))[0].text

    before = services_in(admin_bot.application)
    (content_dir / "tips.yaml").write_text("tips:\n  - id: broken\n    nonsense: [\n")
    [refused] = await admin_bot.send("/reload", chat_id=ADMIN)
    assert refused.text.startswith("❌ <b>Content not reloaded</b>: 1 problem(s).")
    assert "tips.yaml" in refused.text and "I keep serving the content I had" in refused.text
    assert services_in(admin_bot.application) is before
    # Still serving the last good content.
    assert new_disclaimer in (await admin_bot.send("/help"))[0].text


async def test_reload_reaches_the_embedded_delivery_engine(
    admin_bot: BotHarness, content_dir: Path, fake_api: FakeBotAPI, database_url: str
) -> None:
    """Inside `python -m bot` the delivery engine delivers from the reloaded content too."""
    app = admin_bot.application
    async with running_engine(
        admin_bot.db, admin_bot.library, fake_api.url, database_url
    ) as engine:
        # Wired as bot.server.main wires the engine it starts (not started here: the test ticks).
        attach(app, replace(services_in(app), delivery=EmbeddedDelivery(DeliveryService(engine))))
        tips = content_dir / "tips.yaml"
        data = yaml.safe_load(tips.read_text())
        for tip in data["tips"]:
            tip["title"] = f"Reloaded - {tip['title']}"
        tips.write_text(yaml.safe_dump(data, allow_unicode=True))
        [reply] = await admin_bot.send("/reload", chat_id=ADMIN)
        assert reply.text.startswith("✅ Content reloaded")
        assert engine.library is services_in(app).library
        due = await add_chat(admin_bot.db, 77, now=dt.datetime.now(dt.UTC))
        assert (await engine.tick(due)).sent == 1
    [delivered] = fake_api.messages(77)
    assert (delivered.raw_text or "").startswith("💡 <b>Reloaded - ")
