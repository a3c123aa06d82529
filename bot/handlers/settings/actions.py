"""What each settings button does. Every change is validated and saved at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import esc
from bot.handlers.settings import screens
from bot.menus.callbacks import Press
from bot.menus.kit import EXPIRED, Action, MenuView, Outcome
from content import AgeBand, Diet, IntakeTables, LifeStage, Sex, Topic
from content.schedule import FREQUENCY_LABELS, Frequency
from content.zones import ZoneMatch, zone_label
from scheduler.schedule import next_due_for
from storage import preferences
from storage.models import Chat

_EXPIRED_OUTCOME = Outcome("none", answer=EXPIRED)
_NOT_ALLOWED = "That choice is not possible. Please pick another."


def save(chat: Chat, changes: dict[str, Any], now: dt.datetime) -> bool:
    """Validate and store `changes`; reschedule if the delivery slot moved. False if refused."""
    try:
        updated = preferences.changed(chat, changes)
    except ValidationError:
        return False
    if preferences.apply(chat, updated) & preferences.SCHEDULE_FIELDS:
        reschedule(chat, now)
    return True


def reschedule(chat: Chat, now: dt.datetime) -> None:
    if chat.status == "active":
        chat.next_due_at = next_due_for(chat, now)


def zone_notice(match: ZoneMatch, chat: Chat, now: dt.datetime) -> str:
    local = screens.local_now(chat, now)
    return (
        f"✅ Time zone: <b>{esc(match.described_as)}</b>. "
        f"It is {local:%H:%M} there now ({local:%A})."
    )


def time_notice(chat: Chat) -> str:
    return (
        f"✅ Tips now come at <b>{chat.delivery_time:%H:%M}</b> ({esc(zone_label(chat.timezone))})."
    )


def quiet_notice(chat: Chat) -> str:
    if chat.quiet_start is None:
        return "✅ Quiet hours off: tips come at your chosen time."
    notice = (
        f"✅ Quiet hours: <b>{screens.quiet_text(chat)}</b> ({esc(zone_label(chat.timezone))}). "
        "Nothing is sent in that window."
    )
    if note := screens.delivery_note(chat):
        notice += f"\n{note}"
    return notice


def quiet_window(arg: str) -> tuple[dt.time | None, dt.time | None] | None:
    """The window a quiet-hours button stands for: "off", or "HHMMHHMM"; None if neither."""
    if arg == "off":
        return None, None
    try:
        start = dt.datetime.strptime(arg[:4], "%H%M").time()
        end = dt.datetime.strptime(arg[4:], "%H%M").time()
    except ValueError:
        return None
    return (start, end) if len(arg) == 8 and start != end else None


def _screen(name: str, chat: Chat, view: MenuView, notice: str = "") -> Outcome:
    text, markup = screens.SCREENS[name](chat, view, notice)
    return Outcome("edit", text, markup)


async def open_screen(press: Press, chat: Chat, view: MenuView, _: AsyncSession) -> Outcome:
    if press.arg not in screens.SCREENS:
        return _EXPIRED_OUTCOME
    ask_screens_question(chat, view, press.arg)
    return _screen(press.arg, chat, view)


def ask_screens_question(chat: Chat, view: MenuView, name: str) -> None:
    """Opening a screen that takes typed text (time zone, time, quiet hours) opens its
    question; any other screen closes an open one."""
    question = screens.QUESTIONS.get(name)
    if question is None:
        preferences.clear_awaiting(chat)
    else:
        view.svc.open_questions.opened(chat.id)
        preferences.await_answer(chat, question, view.user_id)


async def onboarding_screen(press: Press, chat: Chat, view: MenuView, s: AsyncSession) -> Outcome:
    """From the welcome message: open the screen below it, so the welcome text stays."""
    outcome = await open_screen(press, chat, view, s)
    return Outcome("new", outcome.text, outcome.markup) if outcome.kind == "edit" else outcome


async def skip(press: Press, chat: Chat, view: MenuView, _: AsyncSession) -> Outcome:
    preferences.clear_awaiting(chat)
    return Outcome("strip", answer="OK! Change anything later with /settings.")


async def done(press: Press, chat: Chat, view: MenuView, _: AsyncSession) -> Outcome:
    preferences.clear_awaiting(chat)
    text, _markup = screens.closed(chat, view)
    return Outcome("edit", text, None, answer="Saved")


async def set_zone(press: Press, chat: Chat, view: MenuView, _: AsyncSession) -> Outcome:
    if not save(chat, {"timezone": press.arg}, view.now):
        return Outcome("none", answer=_NOT_ALLOWED)
    preferences.clear_awaiting(chat)
    notice = zone_notice(ZoneMatch(chat.timezone, zone_label(chat.timezone)), chat, view.now)
    return _screen("main", chat, view, notice)


async def set_time(press: Press, chat: Chat, view: MenuView, _: AsyncSession) -> Outcome:
    try:
        at = dt.datetime.strptime(press.arg, "%H%M").time()
    except ValueError:
        return _EXPIRED_OUTCOME
    if not save(chat, {"delivery_time": at}, view.now):
        return Outcome("none", answer=_NOT_ALLOWED)
    preferences.clear_awaiting(chat)
    return _screen("main", chat, view, time_notice(chat))


async def set_frequency(press: Press, chat: Chat, view: MenuView, _: AsyncSession) -> Outcome:
    if not save(chat, {"frequency": press.arg}, view.now):
        return Outcome("none", answer=_NOT_ALLOWED)
    label = FREQUENCY_LABELS[Frequency(chat.frequency)]
    return _screen("main", chat, view, f"✅ Tips now come {label}.")


async def toggle_topic(press: Press, chat: Chat, view: MenuView, _: AsyncSession) -> Outcome:
    if press.arg == "*":
        chosen = [t.value for t in Topic]
    else:
        chosen = _toggled(chat.topics, press.arg, [t.value for t in Topic])
        if not chosen:
            return Outcome("none", answer="Keep at least one topic on.")
    if not save(chat, {"topics": chosen}, view.now):
        return Outcome("none", answer=_NOT_ALLOWED)
    return _screen("topics", chat, view)


async def set_food_mode(press: Press, chat: Chat, view: MenuView, _: AsyncSession) -> Outcome:
    if not save(chat, {"food_mode": press.arg}, view.now):
        return Outcome("none", answer=_NOT_ALLOWED)
    return _screen("food", chat, view)


async def set_food_day(press: Press, chat: Chat, view: MenuView, _: AsyncSession) -> Outcome:
    if not press.arg.isdigit() or not save(chat, {"food_weekday": int(press.arg)}, view.now):
        return Outcome("none", answer=_NOT_ALLOWED)
    return _screen("food", chat, view)


async def set_quiet_hours(press: Press, chat: Chat, view: MenuView, _: AsyncSession) -> Outcome:
    window = quiet_window(press.arg)
    if window is None:
        return _EXPIRED_OUTCOME
    start, end = window
    if not save(chat, {"quiet_start": start, "quiet_end": end}, view.now):
        return Outcome("none", answer=_NOT_ALLOWED)
    preferences.clear_awaiting(chat)
    return _screen("main", chat, view, quiet_notice(chat))


async def set_quiz_size(press: Press, chat: Chat, view: MenuView, _: AsyncSession) -> Outcome:
    size = int(press.arg) if press.arg.isdigit() else None
    if size not in screens.QUIZ_SIZES or not save(chat, {"quiz_size": size}, view.now):
        return Outcome("none", answer=_NOT_ALLOWED)
    return _screen("quiz", chat, view)


async def set_quiz_day(press: Press, chat: Chat, view: MenuView, _: AsyncSession) -> Outcome:
    if not press.arg.isdigit() or not save(chat, {"quiz_weekday": int(press.arg)}, view.now):
        return Outcome("none", answer=_NOT_ALLOWED)
    return _screen("quiz", chat, view)


async def toggle_diet(press: Press, chat: Chat, view: MenuView, _: AsyncSession) -> Outcome:
    chosen = [] if press.arg == "*" else _toggled(chat.diet, press.arg, [d.value for d in Diet])
    if not save(chat, {"diet": chosen}, view.now):
        return Outcome("none", answer=_NOT_ALLOWED)
    return _screen("diet", chat, view)


async def set_age_band(press: Press, chat: Chat, view: MenuView, _: AsyncSession) -> Outcome:
    return _profile_change(chat, view, {"age_band": press.arg})


async def set_sex(press: Press, chat: Chat, view: MenuView, _: AsyncSession) -> Outcome:
    return _profile_change(chat, view, {"sex": press.arg})


async def set_life_stage(press: Press, chat: Chat, view: MenuView, _: AsyncSession) -> Outcome:
    return _profile_change(chat, view, {"life_stage": press.arg})


async def clear_profile(press: Press, chat: Chat, view: MenuView, _: AsyncSession) -> Outcome:
    return _profile_change(chat, view, {"age_band": None, "sex": None, "life_stage": None})


def _profile_change(chat: Chat, view: MenuView, changes: dict[str, Any]) -> Outcome:
    merged = profile_changes(chat, view.svc.library.intake, changes)
    if merged is None or not save(chat, merged, view.now):
        return Outcome("none", answer=_NOT_ALLOWED)
    return _screen("prof", chat, view)


def profile_changes(
    chat: Chat, tables: IntakeTables, changes: dict[str, Any]
) -> dict[str, Any] | None:
    """The whole profile after `changes` (None if a value is unknown). A new age or sex can
    rule pregnancy out: the life stage is then dropped rather than the change refused."""
    merged = {
        "age_band": chat.age_band,
        "sex": chat.sex,
        "life_stage": chat.life_stage,
        **changes,
    }
    try:
        band = AgeBand(merged["age_band"]) if merged["age_band"] else None
        sex = Sex(merged["sex"]) if merged["sex"] else None
    except ValueError:
        return None
    stage_possible = band is not None and sex is Sex.FEMALE and tables.life_stage_applies(band)
    if not stage_possible and "life_stage" not in changes:
        merged["life_stage"] = None
    if merged["life_stage"] == LifeStage.NONE.value and not stage_possible:
        merged["life_stage"] = None
    return merged


def _toggled(current: list[str], value: str, order: list[str]) -> list[str]:
    """`current` with `value` switched on or off, kept in the canonical order."""
    if value not in order:
        return list(current)
    chosen = set(current) ^ {value}
    return [item for item in order if item in chosen]


ACTIONS: dict[str, Action] = {
    "m": open_screen,
    "ob": onboarding_screen,
    "skip": skip,
    "done": done,
    "tz": set_zone,
    "tm": set_time,
    "fq": set_frequency,
    "tp": toggle_topic,
    "fm": set_food_mode,
    "fd": set_food_day,
    "dt": toggle_diet,
    "ag": set_age_band,
    "sx": set_sex,
    "ls": set_life_stage,
    "pr": clear_profile,
    "qh": set_quiet_hours,
    "qs": set_quiz_size,
    "qd": set_quiz_day,
}
