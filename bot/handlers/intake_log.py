"""/log and /today: a personal food log in the chat's own day, with a progress bar and chart.

Callback data, signed for the chat (bot.menus.callbacks):
  log|today                      send the day's summary and chart
  log|undo|<entry id>            remove that entry (of this chat only)
  log|undoall|<entry id>|<gaps>  remove a receipt's entries: the first id, then each gap to
                                 the next id as one base-36 digit (of this chat only)
  log|add|<food ref>|<servings>  log a food (a card's button)
  log|pick|<food ref>|<servings> log a suggested food; the suggestion list becomes the receipt
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot.charts import Bar, ChartSpec, render_async
from bot.commands import CommandInfo, Feature
from bot.formatting import clip, counted, esc
from bot.menus.callbacks import ref
from bot.menus.edits import edit_in_place
from bot.menus.keyboards import Buttons
from bot.menus.kit import pressed
from bot.personal import INFANT_NOTE, KIDNEY_NOTE, PORTIONS_NOTE, Needs, needs_of
from bot.services import AnyApplication, Services, services_of
from bot.supplement_dose import SupplementDose, find_supplement, mentions_mg, supplement_reply
from content import Food
from content.food_search import FoodIndex
from storage import intake
from storage.models import IntakeEntry

COMMANDS = [
    CommandInfo("log", "log a food you ate, e.g. /log spinach 2"),
    CommandInfo("today", "today's magnesium from food, with a chart"),
]

MIN_SERVINGS = 0.25
MAX_SERVINGS = 10.0
# Longer than any food name with servings; anything longer is pasted text, not a log.
MAX_LOG_TEXT = 200
_INDEX_KEY = "magbot.food_index"
_UNDO_WORDS = frozenset({"undo", "undo last", "remove", "remove last", "delete", "delete last"})
_SERVING_WORDS = frozenset({"x", "×", "serving", "servings", "portion", "portions", "of"})
_FRACTIONS = {"½": 0.5, "¼": 0.25, "¾": 0.75}
# Between the foods of "/log almonds, 2 bananas and an apple"; a comma between digits is a
# decimal comma ("1,5 almonds"), and "/" is a fraction ("1/2 avocado").
_FOOD_SEPARATOR = re.compile(r"\s*(?:,(?!\d)|(?<!\d),|[;+&]|\band\b)\s*", re.IGNORECASE)
# "a banana" is one serving of banana.
_ONE = frozenset({"a", "an", "one"})
# More foods than this in one /log is pasted text, not a meal.
MAX_FOODS_AT_ONCE = 10
# "Undo all" names a receipt's entries by the first id and the gap to each next one, one
# digit each, so ten of them fit in Telegram's 64 bytes of callback data; the ids of one
# transaction are consecutive or nearly so (a receipt with a wider gap gets no such button).
_GAP_DIGITS = "123456789abcdefghijklmnopqrstuvwxyz"
_GAPS = re.compile(rf"[1-9a-z]{{1,{MAX_FOODS_AT_ONCE - 1}}}")
_SERVING_TOKEN = re.compile(r"^[x×]?(-?\d+(?:[.,]\d+)?|-?\d+/\d+)[x×]?$")
# What buttons carry: servings as `{:g}` writes them, entry ids as the database makes them
# (ASCII digits only: str.isdigit() also takes "²", which int() refuses).
_BUTTON_SERVINGS = re.compile(r"[0-9]{1,2}(?:\.[0-9]{1,2})?")
_ENTRY_ID = re.compile(r"[1-9][0-9]{0,17}")
FAMILY = "log"
STALE = "That button is no longer valid. Send /log to log a food."

USAGE = (
    "Tell me what you ate and how many servings, for example:\n"
    "/log almonds\n/log spinach 2\n/log 1.5 black beans\n/log almonds, 2 bananas\n"
    "/log undo removes the last entry; /today shows your day."
)
TODAY_CAPTION = "What you logged today; the red dashed line is your daily target."
START_FIRST = (
    "I keep your food log with your settings, so please send /start first. "
    "Then /log almonds works straight away."
)
_FULL_DAY = (
    f"You have logged {intake.MAX_ENTRIES_PER_DAY} foods today, my daily limit. "
    "Use /today to see them or /log undo to remove one."
)
_FULL_DAY_LEFT_OUT = (
    f"That reached my daily limit of {intake.MAX_ENTRIES_PER_DAY} foods, so I stopped after "
    "{last}."
)


# ---------------------------------------------------------------- parsing /log text


@dataclass(frozen=True)
class LogFood:
    food_text: str
    servings: float


@dataclass(frozen=True)
class Undo:
    pass


@dataclass(frozen=True)
class Usage:
    problem: str | None = None


LogRequest = LogFood | Undo | Usage | SupplementDose


def _servings_value(token: str) -> float | None:
    if token in _FRACTIONS:
        return _FRACTIONS[token]
    match = _SERVING_TOKEN.match(token.casefold())
    if match is None:
        return None
    number = match.group(1).replace(",", ".")
    if "/" in number:
        top, bottom = number.split("/")
        return float(top) / float(bottom) if float(bottom) else None
    return float(number)


def parse_log(text: str) -> LogRequest:
    """Read what follows /log: a food with optional servings, 'undo', or a supplement."""
    text = " ".join(text.split())
    if not text:
        return Usage()
    if len(text) > MAX_LOG_TEXT:
        return Usage("That is longer than any food name I know.")
    if text.casefold() in _UNDO_WORDS:
        return Undo()
    dose = find_supplement(text)
    if dose is not None:
        return dose
    if mentions_mg(text):
        return Usage("I count food in servings, not milligrams: I work the mg out for you.")
    words = text.split()
    servings: float | None = _servings_value(words[0])
    if servings is not None:
        words = words[1:]
        while words and words[0].casefold() in _SERVING_WORDS:
            words = words[1:]
    else:
        while words and words[-1].casefold() in _SERVING_WORDS:
            words = words[:-1]
        if words:
            servings = _servings_value(words[-1])
            if servings is not None:
                words = words[:-1]
                while words and words[-1].casefold() in _SERVING_WORDS:
                    words = words[:-1]
    food_text = " ".join(words)
    if not food_text:
        return Usage("Which food was it?")
    servings = 1.0 if servings is None else servings
    if not MIN_SERVINGS <= servings <= MAX_SERVINGS:
        return Usage(
            f"Servings must be between {MIN_SERVINGS:g} and {MAX_SERVINGS:g}, "
            "for example /log spinach 2."
        )
    return LogFood(food_text, round(servings, 2))


def parse_several(text: str) -> list[LogFood] | None:
    """Read "almonds, 2 bananas and an apple": each part a food with its own servings, or None
    when the text is not such a list."""
    parts = [part for part in _FOOD_SEPARATOR.split(" ".join(text.split())[:MAX_LOG_TEXT]) if part]
    if not 2 <= len(parts) <= MAX_FOODS_AT_ONCE:
        return None
    items = []
    for part in parts:
        words = part.split()
        if len(words) > 1 and words[0].casefold() in _ONE:
            words = words[1:]
        request = parse_log(" ".join(words))
        if not isinstance(request, LogFood):
            return None
        items.append(request)
    return items


# ---------------------------------------------------------------- shared helpers


def food_index(context: ContextTypes.DEFAULT_TYPE) -> FoodIndex:
    """The name index of the food table, built once per Application."""
    found = context.bot_data.get(_INDEX_KEY)
    if not isinstance(found, FoodIndex):
        found = FoodIndex.build(services_of(context).library.foods)
        context.bot_data[_INDEX_KEY] = found
    return found


def log_button(
    buttons: Buttons, label: str, food_id: str, servings: float = 1.0, *, replace: bool = False
) -> InlineKeyboardButton:
    """A button that logs a food; `replace` turns the pressed message into the receipt."""
    return buttons(label, FAMILY, "pick" if replace else "add", ref(food_id), f"{servings:g}")


def progress_bar(percent: int, cells: int = 10) -> str:
    filled = min(cells, max(0, round(percent / 100 * cells)))
    return "▓" * filled + "░" * (cells - filled)


def servings_text(servings: float) -> str:
    return f"{servings:g}"


def progress_line(total_mg: float, needs: Needs, label: str = "Today") -> str:
    percent = needs.percent_of_target(total_mg)
    return (
        f"{esc(label)}: <b>{round(total_mg)} mg</b> of {esc(needs.target_text)}\n"
        f"{progress_bar(percent)} {percent}%"
    )


def child_note(needs: Needs) -> str:
    """HTML: a line for a baby's or young child's log (adult servings), or ''."""
    if needs.is_infant:
        return f"\n\n<i>{esc(INFANT_NOTE)}</i>"
    if needs.young_child:
        return f"\n\n<i>{esc(PORTIONS_NOTE)}</i>"
    return ""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _today_button(buttons: Buttons) -> InlineKeyboardButton:
    return buttons("📊 Today", FAMILY, "today")


async def _log_food(
    svc: Services, chat_id: int, food: Food, servings: float
) -> tuple[str, InlineKeyboardMarkup | None]:
    needs = await needs_of(svc, chat_id)
    if not needs.known:
        return START_FIRST, None
    day = intake.local_day(needs.timezone, _now())
    async with svc.db.session() as session:
        entry = await intake.add_entry(session, chat_id, day, food.id, servings, food.mg * servings)
        entries = await intake.entries_for_day(session, chat_id, day)
    if entry is None:
        return _FULL_DAY, None
    total = sum(item.mg for item in entries)
    each = " each" if servings != 1 else ""
    text = (
        f"✅ Logged {servings_text(servings)} × <b>{esc(food.name)}</b> "
        f"({esc(food.serving)}{each}): {round(entry.mg)} mg.\n\n{progress_line(total, needs)}"
    )
    if needs.is_infant:
        text += child_note(needs)
    buttons = Buttons(svc.codec, chat_id)
    keyboard = InlineKeyboardMarkup(
        [[buttons("↩️ Undo", FAMILY, "undo", str(entry.id)), _today_button(buttons)]]
    )
    return text, keyboard


async def log_many(
    svc: Services, chat_id: int, items: Sequence[tuple[Food, float]]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Log several foods at once (a whole /plan, or a /log list) in one transaction."""
    needs = await needs_of(svc, chat_id)
    if not needs.known:
        return START_FIRST, None
    day = intake.local_day(needs.timezone, _now())
    async with svc.db.session() as session:
        added = [
            await intake.add_entry(session, chat_id, day, food.id, servings, food.mg * servings)
            for food, servings in items
        ]
        entries = await intake.entries_for_day(session, chat_id, day)
    logged = [(food, entry) for (food, _servings), entry in zip(items, added, strict=True) if entry]
    if not logged:
        return _FULL_DAY, None
    total = sum(item.mg for item in entries)
    lines = [_entry_line(entry, food.name) for food, entry in logged]
    text = (
        f"✅ Logged {counted(len(logged), 'food')} "
        f"({round(sum(e.mg for _f, e in logged))} mg).\n"
        + "\n".join(lines)
        + f"\n\n{progress_line(total, needs)}"
    )
    if len(logged) < len(items):
        text += f"\n\n{esc(_FULL_DAY_LEFT_OUT.format(last=logged[-1][0].name))}"
    if needs.is_infant:
        text += child_note(needs)
    buttons = Buttons(svc.codec, chat_id)
    undo = _undo_button(buttons, [entry.id for _food, entry in logged])
    row = [undo, _today_button(buttons)] if undo else [_today_button(buttons)]
    return text, InlineKeyboardMarkup([row])


def _undo_button(buttons: Buttons, entry_ids: Sequence[int]) -> InlineKeyboardButton | None:
    """Undo for a receipt: its one entry, or all of them."""
    if len(entry_ids) == 1:
        return buttons("↩️ Undo", FAMILY, "undo", str(entry_ids[0]))
    gaps = [later - earlier for earlier, later in itertools.pairwise(entry_ids)]
    if any(not 1 <= gap <= len(_GAP_DIGITS) for gap in gaps):
        return None
    digits = "".join(_GAP_DIGITS[gap - 1] for gap in gaps)
    return buttons("↩️ Undo all", FAMILY, "undoall", str(entry_ids[0]), digits)


def _entry_ids(first: str, gaps: str) -> list[int]:
    """The ids an "Undo all" button names (its fields already matched _ENTRY_ID and _GAPS)."""
    entry_ids = [int(first)]
    for digit in gaps:
        entry_ids.append(entry_ids[-1] + _GAP_DIGITS.index(digit) + 1)
    return entry_ids


def _suggestions(
    index: FoodIndex, food_text: str, servings: float, buttons: Buttons
) -> tuple[str, InlineKeyboardMarkup | None]:
    nearest = index.suggest_foods(food_text)
    asked = esc(clip(food_text, 40))
    if not nearest:
        return (
            f"I don't know the food “{asked}”. Send /foods to see the foods I know, "
            "then /log one of them.",
            None,
        )
    rows = [[log_button(buttons, food.name, food.id, servings, replace=True)] for food in nearest]
    return f"I don't know “{asked}”. Did you mean one of these?", InlineKeyboardMarkup(rows)


# ---------------------------------------------------------------- /today


@dataclass(frozen=True)
class _DayRow:
    label: str
    servings: float
    mg: float


def _rows(entries: Sequence[IntakeEntry], svc: Services) -> list[_DayRow]:
    """One row per food, in the order first logged."""
    rows: dict[str, _DayRow] = {}
    for entry in entries:
        try:
            label = svc.library.food(entry.food_id).name
        except KeyError:  # the food left the table since it was logged
            label = entry.food_id
        known = rows.get(entry.food_id)
        rows[entry.food_id] = _DayRow(
            label,
            (known.servings if known else 0) + entry.servings,
            (known.mg if known else 0) + entry.mg,
        )
    return list(rows.values())


async def today_view(svc: Services, chat_id: int) -> tuple[str, bytes | None]:
    """The day's text and, when something was logged, its chart."""
    needs = await needs_of(svc, chat_id)
    if not needs.known:
        return START_FIRST, None
    day = intake.local_day(needs.timezone, _now())
    async with svc.db.session() as session:
        entries = await intake.entries_for_day(session, chat_id, day)
    heading = f"📊 <b>Today, {day:%a %d %b}</b>"
    if not entries:
        return (
            f"{heading}\nNothing logged yet. Try /log almonds, or /plan for a day's ideas.\n"
            f"Your target is {esc(needs.target_text)}.",
            None,
        )
    rows = _rows(entries, svc)
    total = sum(row.mg for row in rows)
    lines = [
        f"• {servings_text(round(row.servings, 2))} × {esc(row.label)}: {round(row.mg)} mg"
        for row in rows
    ]
    text = f"{heading}\n" + "\n".join(lines) + f"\n\n{progress_line(total, needs)}"
    if total >= needs.target_mg:
        text += (
            "\n🎉 Target reached with food. Food alone is very unlikely to give you too much "
            f"magnesium: healthy kidneys pass on the excess. {esc(KIDNEY_NOTE)}"
        )
    text += child_note(needs)
    spec = ChartSpec(
        title=f"Today ({day:%d %b}): {round(total)} mg of {needs.target_mg} mg",
        bars=(
            *(Bar(row.label.split(",")[0], round(row.mg, 1)) for row in rows),
            Bar("Total today", round(total, 1), highlight=True),
        ),
        target_mg=needs.target_mg,
        target_label=needs.short_target,
        axis_label="mg of magnesium logged today",
    )
    return text, await render_async(spec)


# ---------------------------------------------------------------- handlers


def _argument(text: str | None) -> str:
    parts = (text or "").split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


async def log_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    svc = services_of(context)
    argument = _argument(message.text)
    request = parse_log(argument)
    keyboard: InlineKeyboardMarkup | None = None
    if isinstance(request, Usage):
        text = f"{esc(request.problem)}\n\n{esc(USAGE)}" if request.problem else esc(USAGE)
    elif isinstance(request, SupplementDose):
        needs = await needs_of(svc, chat.id)
        text = supplement_reply(request, needs, svc.library.intake, svc.library.disclaimer)
    elif isinstance(request, Undo):
        text = await _undo_last(svc, chat.id)
    else:
        index = food_index(context)
        food = index.find_food(request.food_text)
        several = None if food is not None else _found(index, parse_several(argument))
        if several:
            text, keyboard = await log_many(svc, chat.id, several)
        elif food is None:
            buttons = Buttons(svc.codec, chat.id)
            text, keyboard = _suggestions(index, request.food_text, request.servings, buttons)
        else:
            text, keyboard = await _log_food(svc, chat.id, food, request.servings)
    await message.reply_text(text, reply_markup=keyboard)


def _found(index: FoodIndex, requests: Sequence[LogFood] | None) -> list[tuple[Food, float]] | None:
    """Each request's food, or None unless every one is known."""
    found = [(index.find_food(r.food_text), r.servings) for r in requests or ()]
    items = [(food, servings) for food, servings in found if food is not None]
    return items if items and len(items) == len(found) else None


async def _undo_last(svc: Services, chat_id: int) -> str:
    needs = await needs_of(svc, chat_id)
    if not needs.known:
        return START_FIRST
    day = intake.local_day(needs.timezone, _now())
    async with svc.db.session() as session:
        entry = await intake.undo_last(session, chat_id, day)
        entries = await intake.entries_for_day(session, chat_id, day)
    if entry is None:
        return "Nothing logged today, so there is nothing to undo."
    return _undone_text(entry, svc, sum(item.mg for item in entries), needs)


def _undone_text(
    entry: IntakeEntry, svc: Services, total: float, needs: Needs, label: str = "Today"
) -> str:
    return (
        f"↩️ Removed {servings_text(entry.servings)} × {esc(_food_name(svc, entry))} "
        f"({round(entry.mg)} mg).\n\n{progress_line(total, needs, label)}"
    )


def _entry_line(entry: IntakeEntry, name: str) -> str:
    """One food of a receipt, as logged and as undone: "• 2 × Banana: 64 mg"."""
    return f"• {servings_text(entry.servings)} × {esc(name)}: {round(entry.mg)} mg"


def _food_name(svc: Services, entry: IntakeEntry) -> str:
    try:
        return svc.library.food(entry.food_id).name
    except KeyError:
        return entry.food_id


async def today_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    text, chart = await today_view(services_of(context), chat.id)
    await message.reply_text(text)
    if chart is not None:
        await message.reply_photo(chart, caption=TODAY_CAPTION)


async def log_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    chat = update.effective_chat
    fields = await pressed(update, context, FAMILY, STALE)
    if query is None or chat is None or fields is None:
        return
    svc = services_of(context)
    action = fields[0] if fields else ""
    if fields == ("today",):
        await query.answer()
        text, chart = await today_view(svc, chat.id)
        await context.bot.send_message(chat.id, text)
        if chart is not None:
            await context.bot.send_photo(chat.id, chart, caption=TODAY_CAPTION)
        return
    if (undo := _undo_request(fields)) is not None:
        await query.answer()
        text = await _undo_entries(svc, chat.id, undo)
        if not await edit_in_place(query.message, text, None):
            await context.bot.send_message(chat.id, text)
        return
    food, servings = _food_and_servings(svc, fields) if action in {"add", "pick"} else (None, None)
    if food is None or servings is None:
        await query.answer(STALE)
        return
    await query.answer()
    text, keyboard = await _log_food(svc, chat.id, food, servings)
    # A suggestion list turns into the receipt, so it cannot be pressed twice by mistake.
    if action == "add" or not await edit_in_place(query.message, text, keyboard):
        await context.bot.send_message(chat.id, text, reply_markup=keyboard)


def _food_and_servings(svc: Services, fields: Sequence[str]) -> tuple[Food | None, float | None]:
    if len(fields) != 3 or not _BUTTON_SERVINGS.fullmatch(fields[2]):
        return None, None
    food = food_by_ref(svc.library.foods, fields[1])
    servings = float(fields[2])
    if food is None or not MIN_SERVINGS <= servings <= MAX_SERVINGS:
        return None, None
    return food, servings


def food_by_ref(foods: Sequence[Food], food_ref: str) -> Food | None:
    """The food a button's reference (bot.menus.callbacks.ref) names, if it still exists."""
    return next((food for food in foods if ref(food.id) == food_ref), None)


def _undo_request(fields: Sequence[str]) -> list[int] | None:
    """The entry ids an Undo or "Undo all" button names; None for malformed fields."""
    if len(fields) == 2 and fields[0] == "undo" and _ENTRY_ID.fullmatch(fields[1]):
        return [int(fields[1])]
    if (
        len(fields) == 3
        and fields[0] == "undoall"
        and _ENTRY_ID.fullmatch(fields[1])
        and _GAPS.fullmatch(fields[2])
    ):
        return _entry_ids(fields[1], fields[2])
    return None


async def _undo_entries(svc: Services, chat_id: int, entry_ids: Sequence[int]) -> str:
    async with svc.db.session() as session:
        removed = await intake.remove_entries(session, chat_id, entry_ids)
        if not removed:
            gone = "That entry was" if len(entry_ids) == 1 else "Those entries were"
            return f"{gone} already removed. /today shows what is logged."
        # A receipt's entries were logged in one transaction, on one day.
        day = removed[0].local_date
        entries = await intake.entries_for_day(session, chat_id, day)
    needs = await needs_of(svc, chat_id)
    today = intake.local_day(needs.timezone, _now())
    label = "Today" if day == today else f"{day:%a %d %b}"
    total = sum(item.mg for item in entries)
    if len(removed) == 1:
        return _undone_text(removed[0], svc, total, needs, label)
    lines = "\n".join(_entry_line(entry, _food_name(svc, entry)) for entry in removed)
    return (
        f"↩️ Removed {len(removed)} foods ({round(sum(entry.mg for entry in removed))} mg).\n"
        f"{lines}\n\n{progress_line(total, needs, label)}"
    )


def register(application: AnyApplication) -> None:
    application.add_handler(CommandHandler("log", log_command))
    application.add_handler(CommandHandler("today", today_command))
    application.add_handler(CallbackQueryHandler(log_pressed, pattern=rf"^{FAMILY}\|"))


FEATURE = Feature(COMMANDS, register)
