"""/ask through the fake Bot API on SQLite and PostgreSQL, plus its storage repositories."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from sqlalchemy import func, select

from bot.services import services_in
from content.enums import UrgentAction
from storage import Database, chats, feedback
from storage.chats import NewChatDefaults
from storage.models import FaqFeedback, FaqServed, UnansweredQuestion
from tests.harness import BotHarness, Reply, set_chat
from tests.menu_helpers import menu, row, tap

CHAT = 1001
GROUP = -100200300


async def _served(bot: BotHarness, faq_id: str) -> int:
    await services_in(bot.application).served.flush()
    async with bot.db.session() as session:
        row = await session.get(FaqServed, faq_id)
        return row.count if row else 0


async def _count(db: Database, model: type) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def _plain(reply: Reply) -> str:
    return html.unescape(reply.text)


async def test_plain_question_gets_answer_disclaimer_related_and_votes(bot: BotHarness) -> None:
    entry = bot.library.faq_entry("night-leg-cramps")
    replies = await bot.send("why do my legs cramp at nite??")
    assert len(replies) == 1
    reply = replies[0]
    assert entry.question in _plain(reply)
    assert entry.answer[:60] in _plain(reply)
    assert bot.library.disclaimer in _plain(reply)
    codec = services_in(bot.application).codec
    fields = [codec.verify(CHAT, d, "vt") or codec.verify(CHAT, d, "ask") for _, d in reply.buttons]
    assert fields[-2:] == [("+", entry.id), ("-", entry.id)]
    assert fields[:-2] == [(i,) for i in entry.related[:3]]
    assert await _served(bot, entry.id) == 1


async def test_ask_command_answers_and_without_a_question_explains(bot: BotHarness) -> None:
    answered = await bot.send("/ask is dark chocolate good for magnesium")
    assert "Is dark chocolate a good source" in _plain(answered[0])
    how_to = await bot.send("/ask")
    assert len(how_to) == 1 and "/ask" in how_to[0].text
    examples = [d for _, d in how_to[0].buttons]
    codec = services_in(bot.application).codec
    shown_ids = [codec.verify(CHAT, d, "ask") for d in examples]
    assert len(examples) == 3 and all(fields is not None for fields in shown_ids)
    shown, callback = await bot.press(CHAT, bot.last_message_id(CHAT), examples[0])
    assert callback is not None and callback.ok
    first = shown_ids[0]
    assert first is not None
    entry = bot.library.faq_entry(first[0])
    assert entry.question in _plain(shown[0])


async def test_off_topic_gets_no_answer_closest_questions_and_is_stored(bot: BotHarness) -> None:
    await bot.send("/start")
    replies = await bot.send("what's the weather in <b>Paris</b> tomorrow?")
    assert len(replies) == 1
    text = replies[0].text
    assert "don't have an answer" in text
    assert "/foods" in text and "/help" in text
    assert "<b>Paris</b>" not in text and "&lt;b&gt;Paris&lt;/b&gt;" in text
    closest = [d for _, d in replies[0].buttons]
    codec = services_in(bot.application).codec
    assert 1 <= len(closest) <= 3 and all(codec.verify(CHAT, d, "ask") for d in closest)
    async with bot.db.session() as session:
        stored = await feedback.recent_unanswered(session)
    assert [q.text for q in stored] == ["what's the weather in <b>Paris</b> tomorrow?"]
    assert stored[0].chat_id == CHAT


async def test_unknown_chat_leaves_no_trace(bot: BotHarness) -> None:
    replies = await bot.send("how much does bitcoin cost")
    assert "don't have an answer" in replies[0].text
    assert await _count(bot.db, UnansweredQuestion) == 0


# One everyday message per triage category, and the first words its action must start with.
URGENT_MESSAGES = {
    "chest-pain": "my chest hurts so bad like someone sitting on it",
    "abnormal-heartbeat": "heart is going crazy fast and fluttering since my mag pills",
    "fainting": "my dad just passed out in the kitchen",
    "trouble-breathing": "i cant breathe properly after taking magnesium",
    "unresponsive": "my baby is all floppy and wont wake up",
    "paralysis-sudden-weakness": "suddenly cant move my legs",
    "seizure": "my son is fitting on the floor",
    "confusion-drowsiness": "grandma is confused and so drowsy she cant stay awake",
    "low-blood-pressure": "bp is 75/40 and im dizzy",
    "stroke": "her face is drooping on one side and her speech is slurred",
    "kidney-failure": "im on haemodialysis and took milk of magnesia",
    "self-harm": "i dont want to be alive anymore",
    "child-ingestion": "my 2 year old swallowed a handful of my magnesium gummies",
    "overdose": "i took 30 magnesium tablets",
    "pregnancy-warning": "34 weeks pregnant with a terrible headache and flashing lights",
    "blood-clot": "my left calf is swollen and hot after a long flight",
    "rhabdomyolysis": "pee is cola coloured after crossfit and my thighs are agony",
    "dehydration": "diarrhoea all day and i nearly faint when i stand up",
    "tetany": "my fingers locked into a claw and my lips are tingling",
}


@pytest.mark.parametrize("flag_id", sorted(URGENT_MESSAGES))
async def test_each_emergency_gets_its_action_first_and_nothing_unrelated(
    bot: BotHarness, flag_id: str
) -> None:
    replies = await bot.send(URGENT_MESSAGES[flag_id])
    flag = next(f for f in bot.library.red_flags if f.id == flag_id)
    first = _plain(replies[0])
    assert first.startswith(tuple(_ACTION_STARTS.values()))
    assert bot.library.actions[flag.action].now in first
    assert flag.advice in first
    assert not replies[0].buttons
    # Under urgent advice only urgent or safety content, never an unrelated FAQ answer.
    safety = {e.question for e in bot.library.faq if e.section in {"urgent", "excess"}}
    for later in replies[1:]:
        assert any(question in _plain(later) for question in safety), _plain(later)


_ACTION_STARTS = {"emergency": "🚨", "crisis": "💙", "poison": "☎️", "same_day": "⚠️"}

# What opens each settings question that waits for typed text.
_OPEN_QUESTIONS = ("timezone", "time", "quiet")


@pytest.mark.parametrize("flag_id", sorted(URGENT_MESSAGES))
async def test_an_emergency_is_never_taken_for_a_settings_answer(
    bot: BotHarness, flag_id: str
) -> None:
    """While the settings menu waits for a city, a time or quiet hours, an emergency still
    gets its urgent advice first; the question stays open for the answer after it."""
    await bot.send("/start")
    question = _OPEN_QUESTIONS[sorted(URGENT_MESSAGES).index(flag_id) % len(_OPEN_QUESTIONS)]
    if question == "timezone":
        await bot.send("change my time zone")
    elif question == "time":
        await bot.send("change the time of my tips")
    else:
        await bot.send("/settings")
        await tap(bot, CHAT, "Quiet")
    assert (await row(bot)).awaiting == question  # type: ignore[union-attr]
    replies = await bot.send(URGENT_MESSAGES[flag_id])
    flag = next(f for f in bot.library.red_flags if f.id == flag_id)
    assert bot.library.actions[flag.action].now in _plain(replies[0])
    assert "could not" not in _plain(replies[0]).casefold()
    assert (await row(bot)).awaiting == question  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("command", "flag_id"),
    [
        ("/log", "overdose"),
        ("/foods", "child-ingestion"),
        ("/plan", "chest-pain"),
        ("/start", "self-harm"),
        ("/settings@MagBot", "stroke"),
        ("/nosuchcommand", "seizure"),
    ],
)
async def test_an_emergency_after_a_command_gets_urgent_advice_first(
    bot: BotHarness, command: str, flag_id: str
) -> None:
    """ "/log i took 30 magnesium tablets" is an overdose, not 30 mg of a supplement."""
    replies = await bot.send(f"{command} {URGENT_MESSAGES[flag_id]}")
    flag = next(f for f in bot.library.red_flags if f.id == flag_id)
    assert bot.library.actions[flag.action].now in _plain(replies[0])
    # The command itself did not run: nothing logged, subscribed or listed.
    assert await row(bot) is None
    assert all("within that limit" not in _plain(reply) for reply in replies)


PHOTO = {"photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]}
VOICE = {"voice": {"file_id": "v1", "file_unique_id": "u2", "duration": 3}}
STICKER = {
    "sticker": {
        "file_id": "s1",
        "file_unique_id": "u3",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
}


async def test_a_photos_caption_is_read_like_a_message(bot: BotHarness) -> None:
    replies = await bot.send_media(PHOTO, caption=URGENT_MESSAGES["child-ingestion"])
    poison = bot.library.actions[UrgentAction.POISON].now
    assert poison in _plain(replies[0])
    question = await bot.send_media(PHOTO, caption="is this a good source of magnesium?")
    assert question and "I can only read text" not in question[0].text


@pytest.mark.parametrize("media", [VOICE, STICKER, PHOTO])
async def test_what_the_bot_cannot_read_gets_a_short_answer_with_the_emergency_line(
    bot: BotHarness, media: dict[str, object]
) -> None:
    replies = await bot.send_media(media)
    assert len(replies) == 1 and "I can only read text" in replies[0].text
    assert "emergency number" in replies[0].text
    # In a group the bot stays quiet, as it does for text.
    group = await bot.send_media(media, chat_id=-100777, user_id=5, chat_type="supergroup")
    assert group == []


async def test_a_request_for_something_else_closes_the_open_question(bot: BotHarness) -> None:
    await bot.send("/start")
    await bot.send("change my time zone")
    replies = await bot.send("I'm vegan")
    assert "<b>Vegan</b> is ticked" in menu(replies).text
    chat = await row(bot)
    assert chat is not None and chat.awaiting is None and chat.diet == ["vegan"]
    await bot.send("change the time of my tips")
    timed = await bot.send("send my tips at 7am")
    assert "Tips now come at <b>07:00</b>" in menu(timed).text
    # A typo is still read as the answer, and what is no answer still gets the reason.
    await bot.send("change my time zone")
    assert "Europe/Berlin" in menu(await bot.send("berln")).text
    await bot.send("change my time zone")
    assert "could not find that place" in (await bot.send("Qwzxplk"))[0].text


async def test_crisis_reply_gives_crisis_lines_never_the_no_answer_text(bot: BotHarness) -> None:
    replies = await bot.send("i want to end my life tonight")
    text = _plain(replies[0])
    assert text.startswith("💙")
    assert "988" in text and "116 123" in text and "emergency number" in text
    assert all("don't have an answer" not in _plain(r) for r in replies)
    assert await _count(bot.db, UnansweredQuestion) == 0


async def test_a_general_question_gets_the_advice_worded_conditionally(bot: BotHarness) -> None:
    replies = await bot.send("can magnesium cause a seizure?")
    emergency = bot.library.actions[UrgentAction.EMERGENCY]
    assert emergency.conditional in _plain(replies[0])
    assert emergency.now not in _plain(replies[0])
    # Nothing was seen: the reply names the signs it is about, not what it "noticed".
    assert "The warning signs this is about: seizure" in _plain(replies[0])
    assert "What I noticed" not in _plain(replies[0])


async def test_a_softened_alarm_gets_its_answer_and_the_safety_line(bot: BotHarness) -> None:
    # "knocks her out" is a sign to the rules and a figure of speech to the learned model.
    replies = await bot.send(
        "my mate reckons magnesium at bedtime knocks him out, does it really help you sleep"
    )
    assert len(replies) == 1
    text = _plain(replies[0])
    assert not text.startswith(tuple(_ACTION_STARTS.values()))
    sleep = bot.library.faq_entry("magnesium-for-sleep")
    assert sleep.question in text.splitlines()[0]
    assert bot.library.symptom_note in text.splitlines()[-1]
    # An answer from the same entry without a softened alarm has no safety line.
    plain = await bot.send("does magnesium help with sleep")
    assert sleep.question in _plain(plain[0]).splitlines()[0]
    assert bot.library.symptom_note not in _plain(plain[0])


async def test_a_child_swallowing_supplements_gets_poison_control_and_childrens_limit(
    bot: BotHarness,
) -> None:
    replies = await bot.send("my toddler ate some of my magnesium tablets")
    text = _plain(replies[0])
    assert "1-800-222-1222" in text and "65 mg" in text


async def test_no_answer_to_a_symptom_ends_with_the_safety_line(bot: BotHarness) -> None:
    await bot.send("/start")
    replies = await bot.send("my elbow has a weird rash")
    assert "don't have an answer" in replies[0].text
    assert bot.library.symptom_note in _plain(replies[0]).splitlines()[-1]
    calm = await bot.send("what's the capital of peru")
    assert bot.library.symptom_note not in _plain(calm[0])


@pytest.mark.parametrize("message", ["hi", "thanks!", "ok", "👍🙂", "good morning"])
async def test_small_talk_gets_a_friendly_reply_and_is_not_stored(
    bot: BotHarness, message: str
) -> None:
    await bot.send("/start")
    replies = await bot.send(message)
    assert len(replies) == 1
    text = _plain(replies[0])
    assert "/foods" in text and "/help" in text
    assert "don't have an answer" not in text
    assert await _count(bot.db, UnansweredQuestion) == 0


@pytest.mark.parametrize(
    "message",
    ["¿qué es el magnesio y para qué sirve?", "Wie viel Magnesium brauche ich?", "магний"],
)
async def test_other_languages_are_told_english_only_for_now(bot: BotHarness, message: str) -> None:
    await bot.send("/start")
    replies = await bot.send(message)
    text = _plain(replies[0])
    assert "only answer in English" in text and "emergency number" in text
    assert await _count(bot.db, UnansweredQuestion) == 0


async def test_answers_name_their_source(bot: BotHarness) -> None:
    replies = await bot.send("is dark chocolate good for magnesium")
    entry = bot.library.faq_entry("is-dark-chocolate-good-source")
    assert f"Source: {entry.source.label}." in _plain(replies[0])


async def test_feedback_is_stored_once_and_the_buttons_show_it(bot: BotHarness) -> None:
    await bot.send("/start")
    answer = (await bot.send("does magnesium help me sleep"))[0]
    message_id = bot.last_message_id(CHAT)
    replies, callback = await bot.press(CHAT, message_id, answer.button("👍"))
    assert callback is not None and callback.params.get("text") == "Thanks!"
    edited = [r for r in replies if r.method == "editMessageReplyMarkup"]
    assert len(edited) == 1
    labels = [label for label, _ in edited[0].buttons]
    assert "👍" not in labels and "👎" not in labels
    assert any("Thanks" in label for label in labels)
    _, second = await bot.press(CHAT, message_id, answer.button("👎"))
    assert second is not None and "already" in str(second.params.get("text"))
    await services_in(bot.application).served.flush()
    async with bot.db.session() as session:
        votes = await feedback.feedback_by_entry(session)
    sleep = next(v for v in votes if v.faq_id == "magnesium-for-sleep")
    assert (sleep.served, sleep.helpful, sleep.unhelpful) == (1, 1, 0)


async def test_forged_buttons_expire(bot: BotHarness) -> None:
    await bot.send("/start")
    await bot.send("magnesium for sleep")
    message_id = bot.last_message_id(CHAT)
    codec = services_in(bot.application).codec
    forged = [
        "ask:night-leg-cramps",  # the unsigned form older versions sent
        "vote:+:magnesium-for-sleep",
        codec.sign(CHAT, "ask", "no-such-entry"),
        codec.sign(CHAT, "vt", "+", "no-such-entry"),
        codec.sign(CHAT, "vt", "x", "magnesium-for-sleep"),
        codec.sign(CHAT + 1, "vt", "+", "magnesium-for-sleep"),  # another chat's button
    ]
    for data in forged:
        replies, callback = await bot.press(CHAT, message_id, data)
        assert callback is not None and "expired" in str(callback.params.get("text"))
        assert replies == []
    assert await _count(bot.db, FaqFeedback) == 0


async def test_groups_answer_only_ask(bot: BotHarness) -> None:
    quiet = await bot.send("why do my legs cramp at night", chat_id=GROUP, chat_type="group")
    assert quiet == []
    asked = await bot.send("/ask why do my legs cramp at night", chat_id=GROUP, chat_type="group")
    assert "Why do I get leg cramps at night?" in _plain(asked[0])


async def test_how_much_you_need_ends_with_your_own_numbers(bot: BotHarness) -> None:
    await bot.send("/start")
    question = "how much magnesium do I need per day"
    unknown = _plain((await bot.send(question))[0])
    assert "Tell me your age and sex" in unknown and "For your profile" not in unknown
    await bot.send("I'm 45, a woman")
    adult = _plain((await bot.send(question))[0])
    assert "(age 31-50 years, female): your RDA is <b>320 mg</b> a day" in adult
    assert "stay under 350 mg a day" in adult
    await set_chat(bot, age_band="1-3", sex=None)
    toddler = _plain((await bot.send("/ask what is the upper limit for magnesium"))[0])
    assert "(age 1-3 years): your RDA is <b>80 mg</b> a day" in toddler
    assert "stay under 65 mg a day" in toddler
    # In a group the profile is nobody's in particular: no personal line.
    group = await bot.send(f"/ask {question}", chat_id=GROUP, chat_type="group")
    assert "How much magnesium" in _plain(group[0])
    assert "👤" not in group[0].text


async def test_bad_input_gets_a_sensible_escaped_reply(bot: BotHarness) -> None:
    messages = [
        "x" * 4096,
        "😩😩😩",
        "Магний помогает от судорог?",
        "<b>bold</b> *_[]` <i>",
        "'; DROP TABLE chats; --",
        "magnesium " + "<" * 4000,
    ]
    for text in messages:
        replies = await bot.send(text)
        assert len(replies) == 1, text
        assert replies[0].text and len(replies[0].text) <= 4096
        assert "<b>bold</b>" not in replies[0].text
    async with bot.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(FaqServed)) is not None


async def test_commands_are_not_taken_for_questions(bot: BotHarness) -> None:
    replies = await bot.send("/nosuchcommand magnesium")
    assert len(replies) == 1 and "don't know the command" in replies[0].text


# ---------------------------------------------------------------- repositories


async def _chat(db: Database, chat_id: int = CHAT) -> None:
    defaults = NewChatDefaults("UTC", dt.time(9, 0), [])
    async with db.session() as session:
        await session.run_sync(chats.subscribe, chat_id, "private", defaults)


async def test_served_counts_accumulate(db: Database) -> None:
    await db.run(feedback.record_served, {"night-leg-cramps": 1})
    await db.run(feedback.record_served, {"night-leg-cramps": 2, "magnesium-for-sleep": 1})
    async with db.session() as session:
        cramps = await session.get(FaqServed, "night-leg-cramps")
        sleep = await session.get(FaqServed, "magnesium-for-sleep")
    assert cramps is not None and cramps.count == 3
    assert sleep is not None and sleep.count == 1


async def test_only_the_newest_unanswered_questions_are_kept(db: Database) -> None:
    await _chat(db)
    for n in range(7):
        async with db.session() as session:
            assert await session.run_sync(feedback.record_unanswered, CHAT, f"q{n}", 0.1, keep=5)
    async with db.session() as session:
        kept = await feedback.recent_unanswered(session)
    assert [q.text for q in kept] == ["q6", "q5", "q4", "q3", "q2"]


async def test_questions_older_than_the_retention_go_when_one_is_stored(db: Database) -> None:
    await _chat(db)
    now = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
    month = dt.timedelta(days=30)
    for text, asked in [("old", now - month - dt.timedelta(days=1)), ("recent", now - month)]:
        async with db.session() as session:
            await session.run_sync(feedback.record_unanswered, CHAT, text, 0.1, now=asked)
    async with db.session() as session:
        assert await session.run_sync(
            feedback.record_unanswered, CHAT, "new", 0.1, retention=month, now=now
        )
    async with db.session() as session:
        kept = await feedback.recent_unanswered(session)
    assert [q.text for q in kept] == ["new", "recent"]
    # A zero retention keeps none at all.
    async with db.session() as session:
        assert not await session.run_sync(
            feedback.record_unanswered, CHAT, "never kept", 0.1, retention=dt.timedelta(0)
        )
        assert len(await feedback.recent_unanswered(session)) == 2


async def test_votes_need_a_known_chat_and_count_once(db: Database) -> None:
    async with db.session() as session:
        unknown = await feedback.record_vote(session, CHAT, 10, "magnesium-oxide", True)
    assert unknown is feedback.Vote.UNKNOWN_CHAT
    await _chat(db)
    async with db.session() as session:
        first = await feedback.record_vote(session, CHAT, 10, "magnesium-oxide", True)
        second = await feedback.record_vote(session, CHAT, 10, "magnesium-oxide", False)
    assert (first, second) == (feedback.Vote.RECORDED, feedback.Vote.ALREADY)
    async with db.session() as session:
        rows = await feedback.feedback_by_entry(session)
    assert [(r.faq_id, r.helpful, r.unhelpful) for r in rows] == [("magnesium-oxide", 1, 0)]


async def test_forget_deletes_questions_and_votes(db: Database) -> None:
    await _chat(db)
    await _chat(db, 2002)
    async with db.session() as session:
        await feedback.record_vote(session, CHAT, 10, "magnesium-oxide", True)
        await session.run_sync(feedback.record_unanswered, CHAT, "mine", 0.1)
        await session.run_sync(feedback.record_unanswered, 2002, "theirs", 0.1)
    async with db.session() as session:
        assert await chats.forget(session, CHAT)
    assert await _count(db, FaqFeedback) == 0
    async with db.session() as session:
        assert [q.text for q in await feedback.recent_unanswered(session)] == ["theirs"]
