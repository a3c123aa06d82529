"""The settings screens: text and buttons rendered from the chat's current values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.formatting import esc
from bot.menus.keyboards import checked, marked
from bot.menus.kit import MenuView
from bot.personal import supplement_limit_line
from content import AgeBand, Diet, Intake, Library, LifeStage, Profile, Sex, Topic
from content.schedule import FREQUENCY_LABELS, Frequency
from content.timeparse import QUIET_EXAMPLES, TIME_EXAMPLES
from content.zones import ZONE_EXAMPLES, zone_label
from scheduler.schedule import quiet_time
from storage.models import Chat

Screen = tuple[str, InlineKeyboardMarkup | None]

QUICK_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
)
QUICK_TIMES = tuple(dt.time(hour) for hour in (6, 7, 8, 9, 10, 12, 17, 18, 19, 20, 21, 22))
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FOOD_MODES = {"with_tip": "With each tip", "weekly": "Once a week", "off": "Off"}
# Common sleeping hours; any other window can be typed.
QUIET_PRESETS = (
    (dt.time(22, 0), dt.time(7, 0)),
    (dt.time(21, 0), dt.time(8, 0)),
    (dt.time(23, 0), dt.time(6, 0)),
)
QUIZ_SIZES = (0, 3, 5)
FREQUENCY_BUTTONS = {
    Frequency.DAILY: "Every day",
    Frequency.WEEKDAYS: "Weekdays (Mon-Fri)",
    Frequency.THREE_A_WEEK: "Mon, Wed, Fri",
    Frequency.WEEKLY: "Weekly (Monday)",
}


# ---------------------------------------------------------------------- summary lines


def local_now(chat: Chat, now: dt.datetime) -> dt.datetime:
    return now.astimezone(ZoneInfo(chat.timezone))


def zone_text(chat: Chat, now: dt.datetime) -> str:
    return f"{esc(zone_label(chat.timezone))} (now {local_now(chat, now):%H:%M})"


def schedule_text(chat: Chat) -> str:
    return f"{FREQUENCY_LABELS[Frequency(chat.frequency)]} at {chat.delivery_time:%H:%M}"


def food_text(chat: Chat) -> str:
    if chat.food_mode == "weekly":
        return f"once a week, on {WEEKDAYS[chat.food_weekday]}s"
    return "with each tip" if chat.food_mode == "with_tip" else "off"


def window_text(start: dt.time, end: dt.time) -> str:
    return f"{start:%H:%M}–{end:%H:%M}"


def quiet_text(chat: Chat) -> str:
    if chat.quiet_start is None or chat.quiet_end is None:
        return "off"
    return window_text(chat.quiet_start, chat.quiet_end)


def delivery_note(chat: Chat) -> str:
    """Why tips come later than the chosen time, when quiet hours cover it; else ''."""
    sent_at = quiet_time(chat.delivery_time, chat.quiet_start, chat.quiet_end)
    if sent_at == chat.delivery_time:
        return ""
    return (
        f"Your tip time {chat.delivery_time:%H:%M} is inside them, so tips (and quizzes) "
        f"will come at {sent_at:%H:%M}, when they end."
    )


def quiz_text(chat: Chat) -> str:
    if chat.quiz_size == 0:
        return "off (/quiz still works any time)"
    return f"{chat.quiz_size} questions on {WEEKDAYS[chat.quiz_weekday]}s"


def diet_text(chat: Chat) -> str:
    return ", ".join(Diet(d).label for d in chat.diet) if chat.diet else "no restrictions"


def topics_text(chat: Chat) -> str:
    if len(chat.topics) == len(Topic):
        return "all"
    return ", ".join(Topic(t).label for t in chat.topics)


def profile_text(chat: Chat) -> str:
    if chat.age_band is None and chat.sex is None:
        return "not set"
    parts = [AgeBand(chat.age_band).label] if chat.age_band else []
    if chat.sex:
        parts.append(Sex(chat.sex).label.lower())
    if chat.life_stage and chat.life_stage != LifeStage.NONE:
        parts.append(LifeStage(chat.life_stage).label.lower())
    return ", ".join(parts)


def when_text(instant: dt.datetime, chat: Chat) -> str:
    return f"{instant.astimezone(ZoneInfo(chat.timezone)):%a %d %b, %H:%M}"


def status_text(chat: Chat, now: dt.datetime) -> str | None:
    if chat.status != "active":
        return "🛑 Tips are stopped. Send /start to get them again."
    if chat.paused_indefinitely:
        return "⏸ Paused until you send /resume."
    if chat.paused_until is not None and chat.paused_until > now:
        return f"⏸ Paused until {when_text(chat.paused_until, chat)}. /resume ends it early."
    if chat.next_due_at is not None:
        return f"Next: {when_text(chat.next_due_at, chat)}"
    return None


# ---------------------------------------------------------------------- personal numbers


def sex_matters(library: Library, band: AgeBand) -> bool:
    """The intake table decides: sex is asked only where its numbers differ by sex."""
    return library.intake.sex_matters(band)


def asks_life_stage(library: Library, chat: Chat) -> bool:
    return (
        chat.age_band is not None
        and chat.sex == Sex.FEMALE
        and library.intake.life_stage_applies(AgeBand(chat.age_band))
    )


def intake_of(library: Library, chat: Chat) -> Intake | None:
    if chat.age_band is None:
        return None
    band = AgeBand(chat.age_band)
    if chat.sex is not None:
        sex = Sex(chat.sex)
    elif not sex_matters(library, band):
        sex = Sex.FEMALE  # same numbers either way
    else:
        return None
    stage = LifeStage(chat.life_stage) if chat.life_stage else LifeStage.NONE
    return library.intake.for_profile(Profile(age_band=band, sex=sex, life_stage=stage))


def numbers_text(library: Library, chat: Chat) -> str | None:
    intake = intake_of(library, chat)
    if intake is None:
        return None
    kind = "adequate intake (AI)" if intake.is_ai else "RDA"
    lines = [f"📊 Your {kind} is <b>{intake.rda_mg} mg</b> a day."]
    lines.append(supplement_limit_line(intake.ul_mg))
    lines.append(f"<i>{esc(library.disclaimer)}</i>")
    return "\n".join(lines)


# ---------------------------------------------------------------------- the screens


def main(chat: Chat, view: MenuView, notice: str = "") -> Screen:
    lines = [notice, ""] if notice else []
    lines += [
        "⚙️ <b>Settings</b>",
        f"🌍 Time zone: {zone_text(chat, view.now)}",
        f"⏰ Tips: {schedule_text(chat)}",
        f"📚 Topics: {esc(topics_text(chat))}",
        f"🥗 Food ideas: {food_text(chat)}",
        f"🥦 Diet: {esc(diet_text(chat))}",
        f"👤 Profile: {esc(profile_text(chat))}",
        f"🌙 Quiet hours: {quiet_text(chat)}",
        f"🧠 Weekly quiz: {quiz_text(chat)}",
    ]
    if status := status_text(chat, view.now):
        lines.append(status)
    frequency = FREQUENCY_BUTTONS[Frequency(chat.frequency)]
    food = FOOD_MODES[chat.food_mode]
    quiet = quiet_text(chat)
    quiz = WEEKDAYS[chat.quiz_weekday][:3] if chat.quiz_size else "off"
    keyboard = (
        view.keyboard()
        .row(
            (f"🌍 {zone_label(chat.timezone)}", "m", "tz"),
            (f"⏰ {chat.delivery_time:%H:%M}", "m", "time"),
        )
        .row((f"📅 {frequency}", "m", "freq"), (f"📚 Topics ({len(chat.topics)})", "m", "topics"))
        .row((f"🥗 Food: {food}", "m", "food"), (f"🥦 Diet ({len(chat.diet)})", "m", "diet"))
        .row((f"🌙 Quiet: {quiet}", "m", "quiet"), (f"🧠 Quiz: {quiz}", "m", "quiz"))
        .row(("👤 Profile", "m", "prof"), ("✔️ Done", "done"))
    )
    return "\n".join(lines), keyboard.markup()


def timezone(chat: Chat, view: MenuView, notice: str = "") -> Screen:
    how = "reply to this message with" if view.is_group else "type"
    share = "" if view.is_group else ", or share your location (📎 → Location)"
    lines = [notice, ""] if notice else []
    lines += [
        f"🌍 <b>Time zone</b>: {zone_text(chat, view.now)}",
        "",
        f"To change it, {how} your city, a time zone or an offset "
        f"(e.g. {esc(ZONE_EXAMPLES)}){share}. Or pick one:",
    ]
    zones = ((marked(zone_label(z), z == chat.timezone), "tz", z) for z in QUICK_ZONES)
    keyboard = view.keyboard().grid(zones, per_row=2).back_done()
    return "\n".join(lines), keyboard.markup()


def delivery_time(chat: Chat, view: MenuView, notice: str = "") -> Screen:
    how = "reply to this message with" if view.is_group else "type"
    lines = [notice, ""] if notice else []
    lines += [
        f"⏰ <b>Delivery time</b>: {chat.delivery_time:%H:%M} ({esc(zone_label(chat.timezone))})",
        "",
        f"Pick a time, or {how} one (e.g. {esc(TIME_EXAMPLES)}):",
    ]
    times = (
        (marked(f"{t:%H:%M}", t == chat.delivery_time), "tm", f"{t:%H%M}") for t in QUICK_TIMES
    )
    keyboard = view.keyboard().grid(times, per_row=4).back_done()
    return "\n".join(lines), keyboard.markup()


def frequency(chat: Chat, view: MenuView, notice: str = "") -> Screen:
    lines = [notice, ""] if notice else []
    lines += [f"📅 <b>How often</b>: {schedule_text(chat)}"]
    keyboard = view.keyboard()
    for value, label in FREQUENCY_BUTTONS.items():
        keyboard.row((marked(label, chat.frequency == value), "fq", value.value))
    return "\n".join(lines), keyboard.back_done().markup()


def topics(chat: Chat, view: MenuView, notice: str = "") -> Screen:
    lines = [notice, ""] if notice else []
    lines += ["📚 <b>Topics</b>: tap to switch on or off (at least one stays on)."]
    buttons = ((checked(t.label, t.value in chat.topics), "tp", t.value) for t in Topic)
    keyboard = view.keyboard().grid(buttons, per_row=2).row(("All topics", "tp", "*"))
    return "\n".join(lines), keyboard.back_done().markup()


def food(chat: Chat, view: MenuView, notice: str = "") -> Screen:
    lines = [notice, ""] if notice else []
    lines += [
        f"🥗 <b>Food ideas</b>: {food_text(chat)}",
        f"Suggestions follow your diet: {esc(diet_text(chat))}.",
    ]
    keyboard = view.keyboard()
    for mode, label in FOOD_MODES.items():
        keyboard.row((marked(label, chat.food_mode == mode), "fm", mode))
    if chat.food_mode == "weekly":
        lines.append("Which day?")
        days = (
            (marked(day[:3], chat.food_weekday == number), "fd", str(number))
            for number, day in enumerate(WEEKDAYS)
        )
        keyboard.grid(days, per_row=4)
    return "\n".join(lines), keyboard.back_done().markup()


def diet(chat: Chat, view: MenuView, notice: str = "") -> Screen:
    lines = [notice, ""] if notice else []
    lines += ["🥦 <b>Diet</b>: every food suggestion respects what you tick here."]
    buttons = ((checked(d.label, d.value in chat.diet), "dt", d.value) for d in Diet)
    keyboard = view.keyboard().grid(buttons, per_row=2).row(("No restrictions", "dt", "*"))
    return "\n".join(lines), keyboard.back_done().markup()


def profile(chat: Chat, view: MenuView, notice: str = "") -> Screen:
    library = view.svc.library
    lines = [notice, ""] if notice else []
    lines += [
        "👤 <b>Profile</b> (optional): only used to show your personal magnesium numbers.",
        f"Now: {esc(profile_text(chat))}",
    ]
    keyboard = view.keyboard()
    bands = ((marked(b.label, chat.age_band == b.value), "ag", b.value) for b in AgeBand)
    keyboard.grid(bands, per_row=3)
    band = AgeBand(chat.age_band) if chat.age_band else None
    if band is not None and sex_matters(library, band):
        keyboard.row(*((marked(s.label, chat.sex == s.value), "sx", s.value) for s in Sex))
    if asks_life_stage(library, chat):
        lines.append("Pregnant or breastfeeding?")
        current = chat.life_stage or LifeStage.NONE
        keyboard.row(*((marked(s.label, current == s.value), "ls", s.value) for s in LifeStage))
    if numbers := numbers_text(library, chat):
        lines += ["", numbers]
    elif band is None:
        lines.append("Pick your age band to start.")
    else:
        lines.append("Pick your sex: the numbers differ for this age.")
    if chat.age_band or chat.sex:
        keyboard.row(("🗑 Clear profile", "pr", "clear"))
    return "\n".join(lines), keyboard.back_done().markup()


def quiet_hours(chat: Chat, view: MenuView, notice: str = "") -> Screen:
    how = "reply to this message with" if view.is_group else "type"
    lines = [notice, ""] if notice else []
    lines += [
        f"🌙 <b>Quiet hours</b>: {quiet_text(chat)} ({esc(zone_label(chat.timezone))})",
        "Nothing is sent in this window: tips, food ideas, quizzes and “Later” reminders "
        "wait until it ends.",
    ]
    if note := delivery_note(chat):
        lines.append(note)
    lines += ["", f"Pick a window, or {how} one (e.g. {esc(QUIET_EXAMPLES)}):"]
    current = (chat.quiet_start, chat.quiet_end)
    presets = (
        (marked(window_text(start, end), current == (start, end)), "qh", f"{start:%H%M}{end:%H%M}")
        for start, end in QUIET_PRESETS
    )
    keyboard = view.keyboard().grid(presets, per_row=3)
    keyboard.row((marked("Off", chat.quiet_start is None), "qh", "off"))
    return "\n".join(lines), keyboard.back_done().markup()


def quiz(chat: Chat, view: MenuView, notice: str = "") -> Screen:
    lines = [notice, ""] if notice else []
    lines += [
        f"🧠 <b>Weekly quiz</b>: {quiz_text(chat)}",
        "A few questions on tips you have already had, at your tip time. Questions you "
        "miss come back sooner; /quiz gives you one any time.",
        "",
        "How many questions?",
    ]
    keyboard = view.keyboard()
    keyboard.row(
        *(
            (
                marked(f"{size} questions" if size else "Off", chat.quiz_size == size),
                "qs",
                str(size),
            )
            for size in QUIZ_SIZES
        )
    )
    if chat.quiz_size:
        lines.append("Which day?")
        days = (
            (marked(day[:3], chat.quiz_weekday == number), "qd", str(number))
            for number, day in enumerate(WEEKDAYS)
        )
        keyboard.grid(days, per_row=4)
    return "\n".join(lines), keyboard.back_done().markup()


def closed(chat: Chat, view: MenuView, notice: str = "") -> Screen:
    lines = [notice] if notice else []
    lines.append(
        f"✅ Saved: a tip {schedule_text(chat)} ({esc(zone_label(chat.timezone))}). "
        "Change anything with /settings."
    )
    return "\n".join(lines), None


SCREENS: dict[str, Callable[[Chat, MenuView, str], Screen]] = {
    "main": main,
    "tz": timezone,
    "time": delivery_time,
    "freq": frequency,
    "topics": topics,
    "food": food,
    "diet": diet,
    "prof": profile,
    "quiet": quiet_hours,
    "quiz": quiz,
}
# Screens that take a typed answer, and the question they open.
QUESTIONS = {"tz": "timezone", "time": "time", "quiet": "quiet"}
