"""/foods: magnesium-rich foods that fit the chat's diet, as a list, a card and a chart.

Callback data, signed for the chat (bot.menus.callbacks):
  foods|p|<category or top>|<diet or ->   show that list
  foods|g|<category or top>|<diet or ->   send its chart
  foods|f|<food ref>                      show that food's card
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot.charts import Bar, ChartSpec, chart_cache
from bot.commands import CommandInfo, Feature
from bot.formatting import clip, esc
from bot.handlers.intake_log import food_by_ref, food_index, log_button
from bot.menus.callbacks import ref
from bot.menus.edits import edit_in_place
from bot.menus.keyboards import Buttons
from bot.menus.kit import pressed
from bot.personal import INFANT_NOTE, NUTS_NOTE, PORTIONS_NOTE, Needs, needs_of
from bot.services import AnyApplication, services_of
from bot.supplement_dose import find_supplement, supplement_reply
from content import (
    CATEGORY_LABELS,
    DAILY_VALUE_MG,
    DIET_LABELS,
    Diet,
    Food,
    FoodCategory,
    FoodFlag,
    Library,
    Source,
    food_fits_diet,
)
from content.food_search import MAX_COMPARED, MAX_QUERY_CHARS, normalise

COMMANDS = [
    CommandInfo("foods", "magnesium-rich foods for you, e.g. /foods seeds or /foods spinach"),
]

TOP_COUNT = 12
_SOURCE_NAMES = {
    Source.NIH_ODS: "NIH Office of Dietary Supplements",
    Source.USDA: "USDA FoodData Central",
}
_CATEGORY_ICONS = {
    FoodCategory.SEEDS: "🌻",
    FoodCategory.NUTS: "🥜",
    FoodCategory.LEGUMES: "🫘",
    FoodCategory.LEAFY_GREENS: "🥬",
    FoodCategory.VEGETABLES: "🥔",
    FoodCategory.GRAINS: "🌾",
    FoodCategory.FRUIT: "🍌",
    FoodCategory.DAIRY_ALTERNATIVES: "🥛",
    FoodCategory.FISH: "🐟",
    FoodCategory.MEAT_POULTRY: "🍗",
    FoodCategory.OTHER: "🍫",
}
HOW_TO = (
    "Try /foods for the top foods, /foods seeds for a group, /foods vegan for a diet, "
    "/foods spinach for one food, or /foods spinach, almonds to compare."
)
FAMILY = "foods"
STALE = "That button is no longer valid. Send /foods to start again."

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Page:
    """One list: the top foods or one category, optionally narrowed by an extra diet."""

    category: FoodCategory | None = None
    diet: Diet | None = None

    @property
    def fields(self) -> tuple[str, str]:
        """How a button names this page (read back by `from_data`)."""
        return str(self.category or "top"), str(self.diet or "-")

    @classmethod
    def from_data(cls, category: str, diet: str) -> Page | None:
        try:
            return cls(
                category=None if category == "top" else FoodCategory(category),
                diet=None if diet == "-" else Diet(diet),
            )
        except ValueError:
            return None


def page_diets(page: Page, chat_diets: frozenset[Diet]) -> frozenset[Diet]:
    """The chat's own diet settings plus the one named in the command, if any."""
    return chat_diets | ({page.diet} if page.diet else set())


def foods_on_page(library: Library, page: Page, diets: frozenset[Diet]) -> list[Food]:
    fitting = library.foods_for_diets(diets)
    if page.category is None:
        return list(fitting[:TOP_COUNT])
    return [food for food in fitting if food.category is page.category]


def _categories(library: Library, diets: frozenset[Diet]) -> list[FoodCategory]:
    present = {food.category for food in library.foods_for_diets(diets)}
    return [category for category in FoodCategory if category in present]


def _title(page: Page) -> str:
    if page.category is None:
        return "Top magnesium foods"
    return f"{CATEGORY_LABELS[page.category]}: magnesium per serving"


def _diet_text(diets: frozenset[Diet]) -> str:
    return ", ".join(DIET_LABELS[diet] for diet in Diet if diet in diets)


def _food_line(rank: int, food: Food, needs: Needs) -> str:
    line = f"{rank}. <b>{esc(food.name)}</b>, {esc(food.serving)}: {esc(food.mg_text)}"
    if needs.shows_daily_value:
        line += f" · {food.percent_dv}% DV"
    if needs.profile is not None:
        line += f" · {needs.percent_of_target(food.mg)}% of yours"
    return line


def _personal_hint(needs: Needs) -> str:
    if not needs.known:
        return "Send /start, then set your age and sex in /settings to see % of your own need."
    if needs.profile is None:
        return "Set your age and sex in /settings to see % of your own need."
    return ""


def _child_hint(needs: Needs, foods: Sequence[Food]) -> str:
    """Plain text for a baby's or young child's profile, or ''."""
    if needs.is_infant:
        return INFANT_NOTE
    if not needs.young_child:
        return ""
    nuts = any(FoodFlag.WHOLE_NUTS in food.flags for food in foods)
    return PORTIONS_NOTE + (f" {NUTS_NOTE}" if nuts else "")


def _shares_text(needs: Needs) -> str:
    """What the percentages in a list are: %DV (ages 4+ or unknown) and/or % of the person's."""
    yours = f"% of {esc(needs.target_text)}" if needs.profile is not None else ""
    if not needs.shows_daily_value:
        return f"Per serving, with {yours}."
    dv = f"% of the {DAILY_VALUE_MG} mg Daily Value (DV) on US labels"
    return f"Per serving, with {dv}" + (f" and {yours}." if yours else ".")


def list_view(
    library: Library, page: Page, needs: Needs, buttons: Buttons
) -> tuple[str, InlineKeyboardMarkup, list[Food]]:
    diets = page_diets(page, needs.diets)
    foods = foods_on_page(library, page, diets)
    heading = f"🥗 <b>{esc(_title(page))}</b>"
    if diets:
        heading += f"\nFor: {esc(_diet_text(diets))}"
    if not foods:
        body = "No foods in this group fit these diet settings. Pick another group below."
    else:
        body = f"{_shares_text(needs)}\n\n" + "\n".join(
            _food_line(rank, food, needs) for rank, food in enumerate(foods, 1)
        )
    hints = [hint for hint in (_child_hint(needs, foods), _personal_hint(needs)) if hint]
    text = f"{heading}\n{body}" + "".join(f"\n\n<i>{esc(hint)}</i>" for hint in hints)
    return text, _list_keyboard(library, page, diets, buttons), foods


def _list_keyboard(
    library: Library, page: Page, diets: frozenset[Diet], buttons: Buttons
) -> InlineKeyboardMarkup:
    pages = [Page(None, page.diet)] + [Page(c, page.diet) for c in _categories(library, diets)]
    here = pages.index(page) if page in pages else 0
    previous, following = pages[here - 1], pages[(here + 1) % len(pages)]
    rows = [
        [
            buttons("◀️", FAMILY, "p", *previous.fields),
            buttons("📊 Chart", FAMILY, "g", *page.fields),
            buttons("▶️", FAMILY, "p", *following.fields),
        ]
    ]
    choices = []
    for option in pages:
        label = "⭐ Top" if option.category is None else _short_label(option.category)
        marker = "• " if option == page else ""
        choices.append(buttons(marker + label, FAMILY, "p", *option.fields))
    rows += [choices[i : i + 3] for i in range(0, len(choices), 3)]
    return InlineKeyboardMarkup(rows)


def _short_label(category: FoodCategory) -> str:
    return f"{_CATEGORY_ICONS[category]} {CATEGORY_LABELS[category]}"


def card_view(food: Food, needs: Needs, buttons: Buttons) -> tuple[str, InlineKeyboardMarkup]:
    shares = []
    if needs.shows_daily_value:
        shares.append(f"{food.percent_dv}% of the Daily Value (US labels)")
    if needs.profile is not None:
        shares.append(f"{needs.percent_of_target(food.mg)}% of {needs.target_text}")
    lines = [
        f"{_CATEGORY_ICONS[food.category]} <b>{esc(food.name)}</b>",
        f"Serving: {esc(food.serving)}",
        f"Magnesium: <b>{esc(food.mg_text)}</b>" + "".join(f" · {esc(share)}" for share in shares),
        f"Group: {esc(CATEGORY_LABELS[food.category])}",
    ]
    if needs.diets:
        if food_fits_diet(food, needs.diets):
            lines.append("✅ Fits your diet settings.")
        else:
            lines.append(f"⚠️ Does not fit your diet settings ({esc(_diet_text(needs.diets))}).")
    if not food.everyday:
        lines.append("A source, not a staple: I leave it out of day plans.")
    lines.append(f"<i>Source: {esc(_SOURCE_NAMES.get(food.source, str(food.source)))}</i>")
    for hint in (_child_hint(needs, [food]), _personal_hint(needs)):
        if hint:
            lines.append(f"<i>{esc(hint)}</i>")
    keyboard = InlineKeyboardMarkup(
        [
            [
                log_button(buttons, "➕ Log 1 serving", food.id),
                buttons(
                    f"More {CATEGORY_LABELS[food.category].lower()}",
                    FAMILY,
                    "p",
                    *Page(food.category).fields,
                ),
            ]
        ]
    )
    return "\n".join(lines), keyboard


def comparison_view(
    foods: Sequence[Food], needs: Needs, buttons: Buttons
) -> tuple[str, InlineKeyboardMarkup]:
    """Foods side by side, richest first, each a button to its card."""
    shown = sorted(foods[:MAX_COMPARED], key=lambda food: food.mg, reverse=True)
    lines = ["⚖️ <b>Magnesium per serving</b>", _shares_text(needs), ""]
    lines += [_food_line(rank, food, needs) for rank, food in enumerate(shown, 1)]
    notes = []
    if len({food.serving for food in shown}) > 1:
        notes.append("Servings differ in size: compare the portions you would really eat.")
    if len(foods) > MAX_COMPARED:
        notes.append(f"I compared the first {MAX_COMPARED} foods you named.")
    unfitting = [food.name for food in shown if not food_fits_diet(food, needs.diets)]
    if unfitting:
        notes.append(f"Not for your diet settings: {'; '.join(unfitting)}.")
    notes += [hint for hint in (_child_hint(needs, shown), _personal_hint(needs)) if hint]
    text = "\n".join(lines) + "".join(f"\n\n<i>{esc(note)}</i>" for note in notes)
    cards = [buttons(food.name.split(",")[0], FAMILY, "f", ref(food.id)) for food in shown]
    return text, InlineKeyboardMarkup([cards[i : i + 2] for i in range(0, len(cards), 2)])


def _suggestion_view(
    asked: str, suggestions: Sequence[Food], buttons: Buttons
) -> tuple[str, InlineKeyboardMarkup]:
    rows = [[buttons(food.name, FAMILY, "f", ref(food.id))] for food in suggestions]
    rows.append([buttons("⭐ Top foods", FAMILY, "p", *Page().fields)])
    if suggestions:
        text = f"I don't know “{esc(clip(asked, 40))}”. Did you mean one of these?"
    else:
        text = f"I don't know “{esc(clip(asked, 40))}”. {esc(HOW_TO)}"
    return text, InlineKeyboardMarkup(rows)


def _chart(context: ContextTypes.DEFAULT_TYPE, page: Page, needs: Needs) -> tuple[Any, ChartSpec]:
    """The page's chart: its cache key (filter, diet, target) and what it shows."""
    library = services_of(context).library
    diets = page_diets(page, needs.diets)
    key = ("foods", page.category or "top", tuple(sorted(diets)), needs.target_mg, needs.is_ai)
    foods = foods_on_page(library, page, diets)
    spec = ChartSpec(
        title=_title(page) + (f" ({_diet_text(diets)})" if diets else ""),
        bars=tuple(Bar(f"{food.name.split(',')[0]} · {food.serving}", food.mg) for food in foods),
        target_mg=needs.target_mg,
        target_label=needs.short_target,
    )
    return key, spec


async def _send_chart(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, page: Page, needs: Needs
) -> None:
    if not foods_on_page(services_of(context).library, page, page_diets(page, needs.diets)):
        return
    key, spec = _chart(context, page, needs)
    caption = esc(
        f"{_title(page)}. Each bar is one serving; the red dashed line is {needs.target_text} "
        "for the whole day."
    )
    cache = chart_cache(context.bot_data)
    file_id = cache.file_id(key)
    if file_id is not None:
        try:
            await context.bot.send_photo(chat_id, file_id, caption=caption)
            return
        except BadRequest as error:
            log.info("chart file_id refused (%s); uploading it again", error.message)
            cache.forget_file_id(key)
    if not cache.ready(key):
        # Shows "sending photo..." while a chart that is not cached yet renders.
        await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_PHOTO)
    image = await cache.get(key, lambda: spec)
    sent = await context.bot.send_photo(chat_id, image, caption=caption, filename="foods.png")
    if sent.photo:
        cache.remember_file_id(key, sent.photo[-1].file_id)


def _argument(text: str | None) -> str:
    parts = (text or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def foods_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    svc = services_of(context)
    argument = _argument(message.text)
    needs = await needs_of(svc, chat.id)
    if len(argument) > MAX_QUERY_CHARS:
        await message.reply_text(f"That is longer than any food name I know. {esc(HOW_TO)}")
        return
    dose = find_supplement(argument)
    if dose is not None and dose.mg is not None:
        await message.reply_text(
            supplement_reply(dose, needs, svc.library.intake, svc.library.disclaimer)
        )
        return
    if argument and not normalise(argument):
        await message.reply_text(f"I could not read a food in that. {esc(HOW_TO)}")
        return
    query = food_index(context).parse_filter(argument)
    buttons = Buttons(svc.codec, chat.id)
    if query.food is not None:
        text, keyboard = card_view(query.food, needs, buttons)
        await message.reply_text(text, reply_markup=keyboard)
        return
    if query.compared:
        text, keyboard = comparison_view(query.compared, needs, buttons)
        await message.reply_text(text, reply_markup=keyboard)
        return
    if query.unknown is not None:
        text, keyboard = _suggestion_view(argument, query.suggestions, buttons)
        await message.reply_text(text, reply_markup=keyboard)
        return
    page = Page(query.category, query.diet)
    text, keyboard, _foods = list_view(svc.library, page, needs, buttons)
    await message.reply_text(text, reply_markup=keyboard)
    await _send_chart(context, chat.id, page, needs)


async def foods_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    chat = update.effective_chat
    fields = await pressed(update, context, FAMILY, STALE)
    if query is None or chat is None or fields is None:
        return
    svc = services_of(context)
    kind = fields[0] if fields else ""
    page = Page.from_data(fields[1], fields[2]) if len(fields) == 3 else None
    food = food_by_ref(svc.library.foods, fields[1]) if kind == "f" and len(fields) == 2 else None
    if not ((kind in {"p", "g"} and page is not None) or food is not None):
        await query.answer(STALE)
        return
    await query.answer()
    needs = await needs_of(svc, chat.id)
    if kind == "g" and page is not None:
        await _send_chart(context, chat.id, page, needs)
        return
    buttons = Buttons(svc.codec, chat.id)
    if food is not None:
        text, keyboard = card_view(food, needs, buttons)
    else:
        assert page is not None
        text, keyboard, _foods = list_view(svc.library, page, needs, buttons)
    if not await edit_in_place(query.message, text, keyboard):
        await context.bot.send_message(chat.id, text, reply_markup=keyboard)


def register(application: AnyApplication) -> None:
    application.add_handler(CommandHandler("foods", foods_command))
    application.add_handler(CallbackQueryHandler(foods_pressed, pattern=rf"^{FAMILY}\|"))


FEATURE = Feature(COMMANDS, register)
