"""Settings asked for in the chat: "send my tips at 7am", "my time zone is Berlin", "I'm vegan",
"tips on weekdays only", "stop" (content.answering.setting_request reads them).

A time, a time zone or a diet is saved as if typed into the settings menu, and the menu is
shown with what changed on top, so a misreading is one tap from being put right. Stopping
is never done without a tap: "stop" shows a menu to stop or pause, and "too many tips" the
choice of how often.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.commands import run_command
from bot.formatting import esc
from bot.handlers.pause import stop_menu
from bot.handlers.settings import screens
from bot.handlers.settings.actions import ask_screens_question, profile_changes
from bot.handlers.settings.answers import apply_changes, apply_zone, time_notice_of
from bot.menus.kit import MenuView, send_menu
from bot.services import services_of
from content import AgeBand, Diet, LifeStage
from content.answering.setting_request import Menu, Setting, SettingRequest
from content.schedule import FREQUENCY_LABELS
from content.zones import ZoneParseError, default_resolver
from storage.models import Chat as ChatRow

# After why a typed time or place could not be read.
PICK_IN_SETTINGS = "/settings has a list to pick from."
FEWER_NOTICE = "Fewer tips? Pick how often they come (/pause takes a break instead)."


# The settings screen each menu request opens.
_SCREENS = {Menu.MAIN: "main", Menu.ZONE: "tz", Menu.TIME: "time", Menu.DIET: "diet"}
_COMMANDS = {Setting.MY_DATA: "mydata", Setting.FORGET: "forget"}


async def answer_setting_request(
    update: Update, context: ContextTypes.DEFAULT_TYPE, request: SettingRequest
) -> None:
    message = update.effective_message
    assert message is not None
    setting = request.setting
    if request.error:
        await message.reply_text(f"🤔 {esc(request.error)} {PICK_IN_SETTINGS}")
    elif setting is Setting.TIME and request.time is not None:
        at = request.time
        await apply_changes(update, context, lambda _row: {"delivery_time": at}, time_notice_of)
    elif setting is Setting.ZONE:
        try:
            match = await asyncio.to_thread(default_resolver().resolve, request.place)
        except ZoneParseError as error:
            await message.reply_text(f"🤔 {esc(str(error))} {PICK_IN_SETTINGS}")
            return
        await apply_zone(update, context, match)
    elif setting is Setting.DIET and request.diets:
        await _change_diets(update, context, request.diets, remove=request.remove)
    elif setting is Setting.FREQUENCY and request.frequency is not None:
        label = FREQUENCY_LABELS[request.frequency]
        await apply_changes(
            update,
            context,
            lambda _row: {"frequency": request.frequency},
            lambda _row, _now: f"✅ Tips now come {esc(label)}.",
        )
    elif setting is Setting.FREQUENCY:
        await send_menu(
            update, context, lambda chat, view: screens.frequency(chat, view, FEWER_NOTICE)
        )
    elif setting is Setting.MENU and request.menu is not None:
        await _open_screen(update, context, _SCREENS[request.menu])
    elif setting is Setting.PROFILE:
        await _change_profile(update, context, request)
    elif setting in _COMMANDS:
        await run_command(update, context, _COMMANDS[setting])
    else:
        await send_menu(update, context, stop_menu)


async def _open_screen(update: Update, context: ContextTypes.DEFAULT_TYPE, name: str) -> None:
    """Open one settings screen as a new menu; the time zone and time screens also wait for
    the typed answer, as when opened from the menu."""

    def ask(chat: ChatRow, view: MenuView) -> None:
        ask_screens_question(chat, view, name)

    def render(chat: ChatRow, view: MenuView) -> screens.Screen:
        return screens.SCREENS[name](chat, view, "")

    await send_menu(update, context, render, on_open=ask)


async def _change_diets(
    update: Update, context: ContextTypes.DEFAULT_TYPE, diets: tuple[Diet, ...], *, remove: bool
) -> None:
    named = {diet.value for diet in diets}

    def changes(chat: ChatRow) -> dict[str, Any]:
        chosen = set(chat.diet) - named if remove else set(chat.diet) | named
        return {"diet": [each.value for each in Diet if each.value in chosen]}

    def notice(_chat: ChatRow, _now: dt.datetime) -> str:
        names = " and ".join(f"<b>{esc(diet.label)}</b>" for diet in diets)
        verb = "is" if len(diets) == 1 else "are"
        if remove:
            return f"✅ {names} {verb} unticked: /foods and /plan no longer follow it."
        return f"✅ {names} {verb} ticked: /foods and /plan now follow it. Untick below if needed."

    await apply_changes(update, context, changes, notice, screens.diet)


_STAGE_NOUNS = {LifeStage.PREGNANT: "Pregnancy", LifeStage.BREASTFEEDING: "Breastfeeding"}


async def _change_profile(
    update: Update, context: ContextTypes.DEFAULT_TYPE, request: SettingRequest
) -> None:
    named: dict[str, Any] = {}
    if request.age_band is not None:
        named["age_band"] = request.age_band.value
    if request.sex is not None:
        named["sex"] = request.sex.value
    tables = services_of(context).library.intake
    # Pregnancy and breastfeeding have figures only for an age band that has them: without
    # one the stage waits for the age ("I'm pregnant" before "I'm 32").
    stage_kept = request.life_stage is not None

    def changes(chat: ChatRow) -> dict[str, Any]:
        nonlocal stage_kept
        band = named.get("age_band", chat.age_band)
        stage_kept = stage_kept and band is not None and tables.life_stage_applies(AgeBand(band))
        if stage_kept and request.life_stage is not None:
            named["life_stage"] = request.life_stage.value
        # Every value comes from the enums, so the merge cannot refuse them.
        return profile_changes(chat, tables, named) or {}

    def notice(_chat: ChatRow, _now: dt.datetime) -> str:
        parts = []
        if request.age_band is not None:
            parts.append(f"age {request.age_band.label}")
        if request.sex is not None:
            parts.append(request.sex.label.lower())
        if stage_kept and request.life_stage is not None:
            parts.append(request.life_stage.label.lower())
        text = f"✅ Profile: <b>{esc(', '.join(parts))}</b>. Change or clear it below."
        if request.life_stage is not None and not stage_kept:
            stage = _STAGE_NOUNS[request.life_stage]
            text += (
                f"\n{stage} has its own numbers, which depend on your age: tell me your age "
                "(for example “I'm 32”) and then tell me again, or pick both below."
            )
        return text

    await apply_changes(update, context, changes, notice, screens.profile)
