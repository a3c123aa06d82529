"""/plan: one day of everyday foods that reaches the person's magnesium target.

Callback data, signed for the chat (bot.menus.callbacks):
  plan|new         another plan
  plan|log|<n>     log the plan shown as number n (one of the last few in chat_data)
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
from collections.abc import Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot.commands import CommandInfo, Feature
from bot.formatting import counted, esc
from bot.handlers.intake_log import log_many, progress_bar
from bot.menus.keyboards import Buttons
from bot.menus.kit import pressed
from bot.personal import (
    INFANT_NOTE,
    KIDNEY_NOTE,
    NUTS_NOTE,
    PORTIONS_NOTE,
    Needs,
    needs_of,
)
from bot.services import AnyApplication, services_of
from content import DIET_LABELS, Diet, Food, FoodFlag
from content.day_plan import DayPlan, NoPlan, PlanKey, plan_day

COMMANDS = [CommandInfo("plan", "a one-day food plan that reaches your magnesium target")]

# chat_data keys: the last few plans shown, by number, so "Log this plan" logs the plan on
# that message; the newest one is also what the next plan must differ from.
_SHOWN = "plan.shown"
_COUNT = "plan.count"
_KEEP = 5
FAMILY = "plan"
STALE = "That button is no longer valid. Send /plan for a new plan."
_NUMBER = re.compile(r"[1-9][0-9]{0,17}")


def _another(buttons: Buttons) -> InlineKeyboardButton:
    return buttons("🔄 Another plan", FAMILY, "new")


def _keyboard(buttons: Buttons, number: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_another(buttons), buttons("✅ Log this plan", FAMILY, "log", str(number))]]
    )


def _heading(needs: Needs) -> str:
    diets = ", ".join(DIET_LABELS[diet] for diet in Diet if diet in needs.diets)
    return "🍽 <b>A day of magnesium from food</b>" + (f"\nFor: {esc(diets)}" if diets else "")


def infant_text(needs: Needs) -> str:
    """No food plan for a baby (project rule): breast milk or formula provides it."""
    return (
        f"{_heading(needs)}\nI make no food plans for babies. The Adequate Intake for this "
        f"age is {needs.target_mg} mg a day. {esc(INFANT_NOTE)}"
    )


def plan_foods(foods: Iterable[Food], needs: Needs) -> list[Food]:
    """The foods a plan may use: no whole nuts or peanuts when the child may be under 5."""
    if not needs.young_child:
        return list(foods)
    return [food for food in foods if FoodFlag.WHOLE_NUTS not in food.flags]


def plan_text(plan: DayPlan | NoPlan, needs: Needs, ul_mg: int | None) -> str:
    heading = _heading(needs)
    if isinstance(plan, NoPlan):
        return (
            f"{heading}\nI could not find 3 to 5 everyday foods that fit your diet settings and "
            f"reach {esc(needs.target_text)}: the most they can give is about "
            f"{plan.best_total_mg} mg ({counted(plan.allowed_foods, 'food fits', 'foods fit')}). "
            "Try /foods for the richest single foods, or review your diet in /settings."
        )
    lines = []
    for item in plan.items:
        each = " each" if item.servings > 1 else ""
        lines.append(
            f"• {item.servings} × <b>{esc(item.food.name)}</b> "
            f"({esc(item.food.serving)}{each}): {item.mg} mg"
        )
    percent = needs.percent_of_target(plan.total_mg)
    limit = f" The {ul_mg} mg upper limit is for supplements and medicines." if ul_mg else ""
    child = (
        f"\n\n👶 {esc(PORTIONS_NOTE)} {esc(NUTS_NOTE)} This plan leaves them out."
        if needs.young_child
        else ""
    )
    return (
        f"{heading}\nTarget: {esc(needs.target_text)}\n\n"
        + "\n".join(lines)
        + f"\n\n<b>Total: {plan.total_mg} mg</b> {progress_bar(percent)} {percent}%"
        + child
        + "\n\n<i>Food alone is very unlikely to give you too much magnesium: healthy kidneys "
        f"pass on the excess. {esc(KIDNEY_NOTE)}{limit}</i>"
    )


async def make_plan(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A new plan for the chat (different from the last one shown), and its buttons; also
    the answer to a typed "what should I eat today?"."""
    svc = services_of(context)
    needs = await needs_of(svc, chat_id)
    if needs.is_infant:
        return infant_text(needs), None
    chat_data = context.chat_data if context.chat_data is not None else {}
    shown: dict[int, list[tuple[str, int]]] = chat_data.setdefault(_SHOWN, {})
    latest = shown.get(max(shown)) if shown else None
    previous: PlanKey = frozenset(latest) if latest else frozenset()
    # The search takes tens of milliseconds; keep it off the event loop all the same.
    plan = await asyncio.to_thread(
        plan_day,
        plan_foods(svc.library.foods, needs),
        needs.diets,
        needs.target_mg,
        seed=secrets.randbits(32),
        previous=previous,
    )
    text = plan_text(plan, needs, needs.ul_mg)
    if not needs.known:
        text += (
            "\n\n<i>Send /start and set your age and sex in /settings for a personal target.</i>"
        )
    if isinstance(plan, NoPlan):
        return text, None
    number = int(chat_data.get(_COUNT, 0)) + 1
    chat_data[_COUNT] = number
    shown[number] = [(item.food.id, item.servings) for item in plan.items]
    for old in sorted(shown)[:-_KEEP]:
        del shown[old]
    return text, _keyboard(Buttons(svc.codec, chat_id), number)


async def plan_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    text, keyboard = await make_plan(context, chat.id)
    await message.reply_text(text, reply_markup=keyboard)


async def plan_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    chat = update.effective_chat
    fields = await pressed(update, context, FAMILY, STALE)
    if query is None or chat is None or fields is None:
        return
    if fields == ("new",):
        await query.answer()
        text, keyboard = await make_plan(context, chat.id)
        await context.bot.send_message(chat.id, text, reply_markup=keyboard)
        return
    if len(fields) != 2 or fields[0] != "log" or not _NUMBER.fullmatch(fields[1]):
        await query.answer(STALE)
        return
    items = _shown_items(context, int(fields[1]))
    if not items:
        await query.answer("That plan has expired. Send /plan for a new one.")
        return
    await query.answer()
    svc = services_of(context)
    text, keyboard = await log_many(svc, chat.id, items)
    # Logging twice by a second tap would double the day; keep only "Another plan".
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(
            InlineKeyboardMarkup([[_another(Buttons(svc.codec, chat.id))]])
        )
    await context.bot.send_message(chat.id, text, reply_markup=keyboard)


def _shown_items(context: ContextTypes.DEFAULT_TYPE, number: int) -> list[tuple[Food, float]]:
    shown = (context.chat_data or {}).get(_SHOWN)
    stored = shown.get(number) if isinstance(shown, dict) else None
    library = services_of(context).library
    items: list[tuple[Food, float]] = []
    for food_id, servings in stored or []:
        try:
            items.append((library.food(food_id), float(servings)))
        except KeyError:
            continue
    return items


def register(application: AnyApplication) -> None:
    application.add_handler(CommandHandler("plan", plan_command))
    application.add_handler(CallbackQueryHandler(plan_pressed, pattern=rf"^{FAMILY}\|"))


FEATURE = Feature(COMMANDS, register)
