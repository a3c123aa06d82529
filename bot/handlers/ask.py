"""/ask and plain private text: answers from the FAQ, urgent-care advice first when needed.

A message that only asks about foods ("how much magnesium in quinoa?", "spinach vs almonds")
gets the food table's numbers; one that only asks for a day of meals ("what should I eat
today?") gets a /plan; one that asks for a setting ("send my tips at 7am", "I'm vegan",
"stop") changes it through the settings menu (bot.handlers.settings.typed).

Callback data, signed for the chat (bot.menus.callbacks; with a 48-character FAQ id the
longest is exactly Telegram's 64 bytes):
  ask|<faq id>      show that entry's answer (related / closest-question buttons)
  vt|<+|->|<id>     👍 / 👎 on the answer message the buttons sit under
  vt|done           the already-recorded marker
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.commands import CommandInfo, Feature, run_command, typed_command
from bot.formatting import clip, esc
from bot.handlers.foods import card_view, comparison_view
from bot.handlers.intake_log import food_index
from bot.handlers.plan import make_plan
from bot.handlers.settings.typed import answer_setting_request
from bot.menus.keyboards import Buttons
from bot.menus.kit import pressed
from bot.personal import Needs, needs_of, supplement_limit_line
from bot.pipeline import Stage
from bot.services import AnyApplication, Services, services_of
from bot.supplement_dose import find_supplement, supplement_reply
from content import FaqEntry, Food, IntakeTables, Library, LifeStage
from content.answering import Answer, AnswerKind
from content.answering.dose_report import reports_own_dose
from content.answering.plan_request import asks_for_plan
from content.answering.setting_request import setting_request
from content.answering.small_talk import Chat
from content.answering.triage import TriageResult
from content.enums import UrgentAction
from storage import feedback

log = logging.getLogger(__name__)

COMMANDS = [CommandInfo("ask", "ask a question about magnesium and muscles")]

SHOW = "ask"
VOTE = "vt"
VOTED = "done"
EXPIRED = "This button has expired. Send /ask with your question."
# Shown by /ask alone, and when nothing comes close to a question.
EXAMPLE_IDS = ("night-leg-cramps", "best-magnesium-foods", "magnesium-for-sleep")
BUTTON_LABEL = 60
QUOTE = 60

_SELF_TRIAGED = r"^/(?:ask|broadcast)(?:@\w+)?(?:\s|$)"

CANNOT_READ = (
    "🙂 I can only read text. Please type your question, or send /help to see what I can do. "
    "If something feels like an emergency, call your local emergency number now."
)

HOW_TO_ASK = (
    "❓ <b>Ask me about magnesium and your muscles.</b>\n"
    "Write your question after /ask, or in a private chat just type it, the way you would "
    "ask a friend. For example:"
)


def examples(library: Library) -> list[FaqEntry]:
    known = {entry.id for entry in library.faq}
    chosen = [library.faq_entry(i) for i in EXAMPLE_IDS if i in known]
    return chosen or list(library.faq[:3])


def question_buttons(
    buttons: Buttons, entries: list[FaqEntry] | tuple[FaqEntry, ...]
) -> list[list[InlineKeyboardButton]]:
    return [[buttons(f"❓ {clip(e.question, BUTTON_LABEL)}", SHOW, e.id)] for e in entries]


def answer_markup(library: Library, entry: FaqEntry, buttons: Buttons) -> InlineKeyboardMarkup:
    related = [library.faq_entry(i) for i in entry.related[:3]]
    votes = [buttons("👍", VOTE, "+", entry.id), buttons("👎", VOTE, "-", entry.id)]
    return InlineKeyboardMarkup([*question_buttons(buttons, related), votes])


def answer_text(library: Library, entry: FaqEntry) -> str:
    text = f"<b>{esc(entry.question)}</b>\n\n{esc(entry.answer)}"
    text += f"\n\n<i>Source: {esc(entry.source.label)}.</i>"
    if entry.disclaimer:
        text += f"\n<i>{esc(library.disclaimer)}</i>"
    return text


_ACTION_ICONS = {
    UrgentAction.EMERGENCY: "🚨",
    UrgentAction.CRISIS: "💙",
    UrgentAction.POISON: "☎️",
    UrgentAction.SAME_DAY: "⚠️",
}


def urgent_text(library: Library, triage: TriageResult) -> str:
    """The action first (most urgent first), then each sign's own advice, then what fired.

    A general question ("can magnesium cause a seizure?") gets the same advice worded
    "if this is happening now"; anything else is treated as happening now.
    """
    actions = sorted({flag.action for flag in triage.flags}, key=list(UrgentAction).index)
    lines = []
    for action in actions:
        texts = library.actions[action]
        first = texts.conditional if triage.hypothetical else texts.now
        lines.append(f"{_ACTION_ICONS[action]} <b>{esc(first)}</b>")
    lines.extend(f"• {esc(flag.advice)}" for flag in triage.flags)
    signs = ", ".join(flag.label.lower() for flag in triage.flags)
    # A general question describes nothing that is happening: say what the advice is
    # about, not that these signs were seen ("can magnesium cause diarrhoea?").
    lead = "The warning signs this is about" if triage.hypothetical else "What I noticed"
    lines.append(f"<i>{lead}: {esc(signs)}. I'm a bot and can't assess you.</i>")
    return "\n\n".join(lines)


def no_answer_text(library: Library, question: str, *, mentions_symptom: bool) -> str:
    quoted = esc(clip(question, QUOTE))
    text = (
        f"🤔 Sorry, I don't have an answer for “{quoted}”. I only know about magnesium and "
        "muscles, and I would rather say so than guess.\n\n"
        "Maybe one of these questions helps. You can also try /foods for magnesium-rich "
        "foods, /plan for a day of meals, or /help for everything I can do."
    )
    if mentions_symptom:
        text += f"\n\n<b>{esc(library.symptom_note)}</b>"
    return text


SMALL_TALK_REPLIES = {
    Chat.GREETING: "👋 Hi! I'm MagBot.",
    Chat.THANKS: "😊 You're welcome!",
    Chat.ACK: "👍 Got it.",
    Chat.EMOJI: "🙂",
}
WHAT_I_DO = (
    "I teach how magnesium affects your muscles: ask me a question in your own words "
    "(for example “why do I get cramps at night?”), try /foods for magnesium-rich foods, "
    "/plan for a day of meals, or /help for everything I can do."
)
OTHER_LANGUAGE = (
    "🌍 Sorry, I can only answer in English for now. Please ask your question in English, "
    "for example “what does magnesium do for muscles?”. "
    "If this is an emergency, call your local emergency number."
)


def small_talk_text(chat: Chat) -> str:
    if chat is Chat.OTHER_LANGUAGE:
        return OTHER_LANGUAGE
    return f"{SMALL_TALK_REPLIES[chat]} {WHAT_I_DO}"


# Entries whose figures depend on age and sex: in a private chat they end with the person's
# own numbers, or with how to get them.
PERSONAL_ENTRIES = frozenset({"how-much-magnesium-per-day", "magnesium-upper-limit"})


async def send_answer(
    message: Message, svc: Services, entry: FaqEntry, *, safety_note: bool = False
) -> None:
    buttons = Buttons(svc.codec, message.chat_id)
    text = answer_text(svc.library, entry)
    if entry.id in PERSONAL_ENTRIES and message.chat.type == ChatType.PRIVATE:
        needs = await needs_of(svc, message.chat_id)
        if needs.known:
            text += f"\n\n{personal_numbers(needs, svc.library.intake)}"
    if safety_note:
        text += f"\n\n<b>{esc(svc.library.symptom_note)}</b>"
    await message.reply_text(text, reply_markup=answer_markup(svc.library, entry, buttons))
    svc.served.add(entry.id)


def personal_numbers(needs: Needs, tables: IntakeTables) -> str:
    """HTML: the chat's own RDA and supplement limit, or how to set the profile they need."""
    if needs.profile is None:
        return (
            "👤 Tell me your age and sex (for example “I'm 45, a woman”) and I will show your "
            "own numbers."
        )
    profile = needs.profile
    who = [f"age {profile.age_band.label}"]
    if tables.sex_matters(profile.age_band):
        who.append(profile.sex.label.lower())
    if profile.life_stage is not LifeStage.NONE:
        who.append(profile.life_stage.label.lower())
    kind = "adequate intake (AI)" if needs.is_ai else "RDA"
    return (
        f"👤 <b>For your profile</b> ({esc(', '.join(who))}): your {kind} is "
        f"<b>{needs.target_mg} mg</b> a day. {supplement_limit_line(needs.ul_mg)}"
    )


async def answer_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: str
) -> None:
    message = update.effective_message
    assert message is not None
    svc = services_of(context)
    answer = svc.answerer.answer(question)
    svc.metrics.observe_answer(answer.confidence)
    if answer.kind is AnswerKind.SMALL_TALK and answer.chat is not None:
        await message.reply_text(small_talk_text(answer.chat))
        return
    if answer.kind is AnswerKind.URGENT:
        await send_urgent(message, svc, answer)
        return
    if answer.triage.softened:
        # The rules saw a sign, the model a calm message: no alarm, but the safety line.
        log.info("softened in chat %s: %s", message.chat_id, answer.triage.explain())
    elif await answered_as_request(update, context, question, answer.entry):
        return
    if answer.entry is not None:
        await send_answer(message, svc, answer.entry, safety_note=bool(answer.triage.softened))
        return
    closest = list(answer.alternatives) or examples(svc.library)
    buttons = Buttons(svc.codec, message.chat_id)
    await message.reply_text(
        no_answer_text(svc.library, question, mentions_symptom=answer.triage.mentions_symptom),
        reply_markup=InlineKeyboardMarkup(question_buttons(buttons, closest)),
    )
    await svc.db.run(
        feedback.record_unanswered,
        message.chat_id,
        question,
        answer.confidence,
        retention=svc.settings.question_retention,
    )


async def send_urgent(message: Message, svc: Services, answer: Answer) -> None:
    # Which concepts fired, never the message itself: the log explains every alarm.
    log.info("urgent reply in chat %s: %s", message.chat_id, answer.triage.explain())
    await message.reply_text(urgent_text(svc.library, answer.triage))
    # Only urgent or safety content may follow (the answerer enforces the section).
    if answer.entry is not None:
        await send_answer(message, svc, answer.entry)


async def urgent_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The words after any command are triaged like a question, before the command reads
    them: "/log i took 30 magnesium tablets" is an overdose, not 30 mg of a supplement."""
    message = update.effective_message
    if message is None or not message.text:
        return
    words = _question_of(message.text)
    if not words:
        return
    svc = services_of(context)
    if not svc.answerer.triage.check(words).findings:
        return
    await send_urgent(message, svc, svc.answerer.answer(words))
    raise ApplicationHandlerStop


async def answered_as_request(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: str, entry: FaqEntry | None
) -> bool:
    """A message that only asks to change a setting, for a day of meals, or about foods gets
    that rather than an FAQ entry, and one that only says its writer took their supplement
    gets the supplement note (called once triage has found nothing to worry about)."""
    message = update.effective_message
    assert message is not None
    # In a group only admins may change settings; there a request stays a question.
    private = message.chat.type == ChatType.PRIVATE
    if private and (request := setting_request(question)):
        await answer_setting_request(update, context, request)
        return True
    if private and (command := typed_command(question, services_of(context).commands)):
        return await run_command(update, context, command.name)
    if reports_own_dose(question) and (dose := find_supplement(question)):
        svc = services_of(context)
        needs = await needs_of(svc, message.chat_id)
        note = supplement_reply(dose, needs, svc.library.intake, svc.library.disclaimer)
        await message.reply_text(f"👍 Got it.\n\n{note}")
        return True
    if asks_for_plan(question):
        text, keyboard = await make_plan(context, message.chat_id)
        await message.reply_text(text, reply_markup=keyboard)
        return True
    if named := food_index(context).named_foods(question):
        await send_foods(message, services_of(context), named, entry)
        return True
    return False


async def send_foods(
    message: Message, svc: Services, named: Sequence[Food], entry: FaqEntry | None
) -> None:
    """ "How much magnesium in quinoa?" or "banana or avocado?" is best answered by the food
    table's own numbers; the FAQ entry the question matched, if any, is a button below."""
    needs = await needs_of(svc, message.chat_id)
    buttons = Buttons(svc.codec, message.chat_id)
    if len(named) == 1:
        text, keyboard = card_view(named[0], needs, buttons)
    else:
        text, keyboard = comparison_view(named, needs, buttons)
    if entry is not None:
        rows = [*keyboard.inline_keyboard, *question_buttons(buttons, [entry])]
        keyboard = InlineKeyboardMarkup(rows)
    await message.reply_text(text, reply_markup=keyboard)


def _question_of(text: str) -> str:
    """The words after /ask (or /ask@SomeBot)."""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    svc = services_of(context)
    question = _question_of(message.text or "")
    if not question:
        buttons = Buttons(svc.codec, message.chat_id)
        markup = InlineKeyboardMarkup(question_buttons(buttons, examples(svc.library)))
        await message.reply_text(HOW_TO_ASK, reply_markup=markup)
        return
    await answer_question(update, context, question)


async def ask_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    await answer_question(update, context, message.text)


async def ask_caption(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo or file with words under it: the words are read like a typed message (a
    photo of pills captioned "my toddler ate these" must get poison control first)."""
    message = update.effective_message
    if message is None or not message.caption:
        return
    await answer_question(update, context, message.caption)


async def cannot_read(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A voice message, sticker or uncaptioned photo: the bot reads text only, and someone
    may be asking for help the only way they can."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(CANNOT_READ)


async def show_entry(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    fields = await pressed(update, context, SHOW, EXPIRED)
    if query is None or fields is None:
        return
    svc = services_of(context)
    if len(fields) != 1 or not _known(svc.library, fields[0]):
        await query.answer(EXPIRED, show_alert=True)
        return
    if not isinstance(query.message, Message):
        await query.answer(EXPIRED, show_alert=True)
        return
    await query.answer()
    await send_answer(query.message, svc, svc.library.faq_entry(fields[0]))


async def vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    fields = await pressed(update, context, VOTE, EXPIRED)
    if query is None or fields is None:
        return
    if fields == (VOTED,):
        await query.answer("Your vote is already recorded. Thanks!")
        return
    svc = services_of(context)
    message = query.message
    # An inaccessible message (deleted, or too old for Telegram to show) cannot carry a
    # vote: its answer is gone, so a press on it is as stale as a forged one.
    if len(fields) != 2 or fields[0] not in ("+", "-") or not _known(svc.library, fields[1]):
        await query.answer(EXPIRED, show_alert=True)
        return
    sign, entry_id = fields
    if not isinstance(message, Message) or not message.is_accessible:
        await query.answer(EXPIRED, show_alert=True)
        return
    async with svc.db.session() as session:
        result = await feedback.record_vote(
            session, message.chat.id, message.message_id, entry_id, helpful=sign == "+"
        )
    if result is feedback.Vote.ALREADY:
        await query.answer("You already rated this answer. Thanks!")
        return
    await query.answer("Thanks!")
    entry = svc.library.faq_entry(entry_id)
    related = [svc.library.faq_entry(i) for i in entry.related[:3]]
    label = "👍 Thanks for the feedback!" if sign == "+" else "👎 Thanks, we'll improve it!"
    buttons = Buttons(svc.codec, message.chat.id)
    done = [buttons(label, VOTE, VOTED)]
    with contextlib.suppress(BadRequest):  # the message was deleted after the tap
        await message.edit_reply_markup(
            InlineKeyboardMarkup([*question_buttons(buttons, related), done])
        )


def _known(library: Library, entry_id: str) -> bool:
    try:
        library.faq_entry(entry_id)
    except KeyError:
        return False
    return True


def register(application: AnyApplication) -> None:
    # /ask triages its own words; an admin's /broadcast text is not a message about oneself.
    others = filters.COMMAND & ~filters.Regex(_SELF_TRIAGED)
    application.add_handler(MessageHandler(others, urgent_command), group=Stage.URGENT)
    application.add_handler(CommandHandler("ask", ask_command))
    # Groups get answers only through /ask: the bot must not reply to every group message.
    private_text = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private_text, ask_text))
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & filters.CAPTION, ask_caption))
    unreadable = (
        private & ~filters.TEXT & ~filters.CAPTION & ~filters.LOCATION & ~filters.StatusUpdate.ALL
    )
    application.add_handler(MessageHandler(unreadable, cannot_read))
    application.add_handler(CallbackQueryHandler(show_entry, pattern=rf"^{SHOW}\|"))
    application.add_handler(CallbackQueryHandler(vote, pattern=rf"^{VOTE}\|"))


FEATURE = Feature(COMMANDS, register)
