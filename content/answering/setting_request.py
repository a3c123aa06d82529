"""Settings asked for in words: "send my tips at 7am", "my time zone is Berlin", "I'm vegan",
"tips on weekdays only", "too many messages", "stop", "I'm a 40-year-old woman", "change my
time zone" (a menu to open), "what did you store about me".

People type these in the chat rather than open /settings; the FAQ has no answer for them.
Each pattern must match the whole message (a few polite words around it are fine), so a
question that mentions a time, a place or a diet ("is it ok to take magnesium at 7am?",
"I'm vegan, where do I get magnesium?") is still a question for the FAQ.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from content.answering.normalise import POLITE_OPENERS, fold
from content.diets import Diet
from content.enums import AgeBand, LifeStage, Sex
from content.schedule import Frequency
from content.timeparse import TimeParseError, parse_delivery_time

# A request is a short line; anything longer is a story with a question in it.
MAX_CHARS = 80


class Setting(StrEnum):
    TIME = "time"
    ZONE = "zone"
    DIET = "diet"
    FREQUENCY = "frequency"
    STOP = "stop"
    # No value named ("change my time zone", "when is my next tip"): show that menu.
    MENU = "menu"
    MY_DATA = "my_data"
    FORGET = "forget"
    PROFILE = "profile"


class Menu(StrEnum):
    """The settings menu a request without a value opens."""

    MAIN = "main"
    ZONE = "zone"
    TIME = "time"
    DIET = "diet"


@dataclass(frozen=True)
class SettingRequest:
    """What the message asks to change, with the value it names."""

    setting: Setting
    time: dt.time | None = None
    place: str = ""
    diets: tuple[Diet, ...] = ()
    # None for "too many tips": the person is shown the choices.
    frequency: Frequency | None = None
    # "I'm not vegan any more": the diets are unticked.
    remove: bool = False
    menu: Menu | None = None
    # Why the value named is not a valid one ("send my tips at 25:00").
    error: str = ""
    # "I'm a 40-year-old woman".
    age_band: AgeBand | None = None
    sex: Sex | None = None
    # "I'm pregnant", "I'm breastfeeding".
    life_stage: LifeStage | None = None


# Folding drops apostrophes: "I'm" is "im", "I've" is "ive", "don't" is "dont".
_I_AM = r"(?:i\s+am|im)"
_POLITE = rf"(?:(?:{POLITE_OPENERS})\s+)*"
_AFTER = (
    r"(?:\s+(?:please|pls|plz|thanks|thank you|instead|every ?day|each day|daily|from now on))*"
)

_TIME = re.compile(
    _POLITE + r"(?:(?:send|give|deliver|move|change|set|switch|schedule|put)\s+(?:me\s+)?"
    r"(?:my\s+|the\s+|your\s+)?(?:daily\s+)?(?:tips?|messages?|reminders?|tip\s+time|"
    r"delivery\s+time)|(?:i\s+want|id\s+like|i\s+would\s+like)\s+(?:my\s+|the\s+)?(?:daily\s+)?"
    r"(?:tips?|messages?)|(?:daily\s+)?tips?)\s+(?:to|at|for|around)\s+(?P<value>.+?)" + _AFTER
)
# Only an explicit time zone: the place resolver forgives typos, so "I live in constant
# pain" must never be read as a place.
_ZONE = re.compile(
    _POLITE + r"(?:(?:change|set|switch|update|move)\s+(?:my\s+|the\s+)?time\s*zone\s+(?:to|as)"
    r"|my\s+time\s*zone\s+is(?:\s+now)?|(?:time\s*zone|tz)\s*[:=])"
    # "My time zone is wrong" names no place: it opens the time zone menu.
    r"\s*+(?!(?:wrong|incorrect|off|not\s+right)(?:\s|$))(?P<value>.+?)" + _AFTER
)
# "Nuts" in everyday speech often takes in peanuts (a legume): a person who says they are
# allergic to nuts gets both ticked, and the diet menu shown lets them untick one.
_ANY_NUTS = (Diet.NO_NUTS, Diet.NO_PEANUTS)
_DIET_WORDS: dict[str, tuple[Diet, ...]] = {
    "vegan": (Diet.VEGAN,),
    "plant based": (Diet.VEGAN,),
    "vegetarian": (Diet.VEGETARIAN,),
    "veggie": (Diet.VEGETARIAN,),
    "gluten free": (Diet.GLUTEN_FREE,),
    "coeliac": (Diet.GLUTEN_FREE,),
    "celiac": (Diet.GLUTEN_FREE,),
    "dairy free": (Diet.DAIRY_FREE,),
    "lactose intolerant": (Diet.DAIRY_FREE,),
    "nut free": _ANY_NUTS,
}
# What people say they do not eat, or are allergic to.
_AVOIDED: dict[str, tuple[Diet, ...]] = {
    "nuts": _ANY_NUTS,
    "tree nuts": (Diet.NO_NUTS,),
    "peanuts": (Diet.NO_PEANUTS,),
    "gluten": (Diet.GLUTEN_FREE,),
    "wheat": (Diet.GLUTEN_FREE,),
    "dairy": (Diet.DAIRY_FREE,),
    "milk": (Diet.DAIRY_FREE,),
    "lactose": (Diet.DAIRY_FREE,),
    "fish": (Diet.NO_FISH,),
    "seafood": (Diet.NO_FISH,),
    "soy": (Diet.NO_SOY,),
    "soya": (Diet.NO_SOY,),
    "sesame": (Diet.NO_SESAME,),
    "meat": (Diet.VEGETARIAN,),
}
# "I have a ... allergy".
_ALLERGY: dict[str, tuple[Diet, ...]] = {
    "nut": _ANY_NUTS,
    "tree nut": (Diet.NO_NUTS,),
    "peanut": (Diet.NO_PEANUTS,),
    "gluten": (Diet.GLUTEN_FREE,),
    "wheat": (Diet.GLUTEN_FREE,),
    "dairy": (Diet.DAIRY_FREE,),
    "milk": (Diet.DAIRY_FREE,),
    "fish": (Diet.NO_FISH,),
    "seafood": (Diet.NO_FISH,),
    "soy": (Diet.NO_SOY,),
    "sesame": (Diet.NO_SESAME,),
}


def _alternatives(words: Mapping[str, object]) -> str:
    """A regex alternation of the words, longest first; "gluten free" also as "gluten-free"."""
    longest_first = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(word).replace(r"\ ", r"[\s-]+") for word in longest_first)


_DIET = re.compile(
    _POLITE
    + r"(?:"
    + _I_AM
    + r"(?:\s+now)?\s+(?:a\s+|an\s+)?(?P<diet>"
    + _alternatives(_DIET_WORDS)
    + r")(?:\s+now)?|i\s+(?:dont|do\s+not|cant|cannot|can\s+not)\s+eat\s+(?:any\s+)?(?P<avoid>"
    + _alternatives(_AVOIDED)
    + r")|"
    + _I_AM
    + r"\s+allergic\s+to\s+(?P<allergic>"
    + _alternatives(_AVOIDED)
    + r")|i\s+have\s+(?:a\s+|an\s+)?(?P<allergy>"
    + _alternatives(_ALLERGY)
    + r")\s+allergy)"
    + _AFTER
)
_OFTEN = {
    "every day": Frequency.DAILY,
    "everyday": Frequency.DAILY,
    "each day": Frequency.DAILY,
    "daily": Frequency.DAILY,
    "on weekdays": Frequency.WEEKDAYS,
    "weekdays": Frequency.WEEKDAYS,
    "monday to friday": Frequency.WEEKDAYS,
    "three times a week": Frequency.THREE_A_WEEK,
    "3 times a week": Frequency.THREE_A_WEEK,
    "three times per week": Frequency.THREE_A_WEEK,
    "3 times per week": Frequency.THREE_A_WEEK,
    "3x a week": Frequency.THREE_A_WEEK,
    "once a week": Frequency.WEEKLY,
    "once per week": Frequency.WEEKLY,
    "weekly": Frequency.WEEKLY,
}
# Alone, "daily", "weekly" or "every day" is too thin to act on; "once a week" is not.
_OFTEN_ALONE = {
    phrase: often
    for phrase, often in _OFTEN.items()
    if " " in phrase and often is not Frequency.DAILY
}
_TIPS = r"(?:(?:my|the|your)\s+)?(?:daily\s+)?(?:tips?|messages?)"
_FREQUENCY = re.compile(
    _POLITE
    + r"(?:(?:(?:send|give)\s+(?:me\s+)?)?"
    + _TIPS
    + r"\s+(?:only\s+)?(?P<after>"
    + _alternatives(_OFTEN)
    + r")(?:\s+only)?|(?:only\s+)?(?P<before>"
    + _alternatives(_OFTEN)
    + r")\s+"
    + _TIPS
    + r"(?:\s+only)?|(?:only\s+)?(?P<alone>"
    + _alternatives(_OFTEN_ALONE)
    + r")(?:\s+only)?)"
    + _AFTER
)
_FEWER = re.compile(
    _POLITE + r"(?:(?:you\s+send\s+)?(?:too\s+many|fewer|less)\s+(?:tips|messages)"
    r"|(?:(?:tips|messages)\s+)?less\s+(?:often|frequently)|not\s+every\s+day"
    r"|(?:tips|messages)\s+(?:are\s+)?too\s+(?:often|frequent))" + _AFTER
)
_STOP = re.compile(
    _POLITE + r"(?:stop|unsubscribe|pause|cancel|no\s+more\s+tips|"
    r"(?:stop|pause|cancel|end)\s+(?:sending\s+(?:me\s+)?)?(?:the\s+|my\s+|your\s+)?"
    r"(?:daily\s+)?(?:tips?|messages?|subscription|notifications?))" + _AFTER
)


_NO_LONGER = re.compile(
    _POLITE
    + _I_AM
    + r"\s+(?:not|no\s+longer)\s+(?:a\s+|an\s+)?(?P<diet>"
    + _alternatives(_DIET_WORDS)
    + r")(?:\s+any\s*more)?"
    + _AFTER
)
_MENUS = (
    (
        Menu.ZONE,
        re.compile(
            _POLITE + r"(?:(?:change|set|update|switch|fix)\s+(?:my\s+|the\s+)?time\s*zone"
            r"|(?:my\s+|the\s+)?time\s*zone\s+is\s+(?:wrong|incorrect|off|not\s+right)"
            r"|wrong\s+time\s*zone)" + _AFTER
        ),
    ),
    (
        Menu.TIME,
        re.compile(
            _POLITE + r"(?:(?:change|set|update|move)\s+(?:my\s+|the\s+)?(?:tip\s+|delivery\s+)?"
            r"time(?:\s+(?:of|for)\s+"
            + _TIPS
            + r")?|(?:change|set)\s+when\s+(?:i\s+get\s+)?"
            + _TIPS
            + r"(?:\s+come)?)"
            + _AFTER
        ),
    ),
    (
        Menu.DIET,
        re.compile(
            _POLITE
            + r"(?:change|set|update|edit)\s+(?:my\s+|the\s+)?diet(?:\s+settings?)?"
            + _AFTER
        ),
    ),
    (
        Menu.MAIN,
        re.compile(
            _POLITE + r"(?:when\s+(?:is|will|do|does)\s+(?:i\s+get\s+)?(?:my\s+|the\s+)?next\s+"
            r"(?:tip|message)(?:\s+come)?|when\s+(?:do|will)\s+(?:i\s+get\s+)?"
            + _TIPS
            + r"(?:\s+come)?|(?:my\s+)?next\s+tip\s+when|(?:show\s+)?my\s+settings)"
            + _AFTER
        ),
    ),
)
_MY_DATA = re.compile(
    _POLITE + r"(?:what\s+(?:data\s+)?(?:do|did)\s+you\s+(?:store|keep|save|know|have)\s+"
    r"(?:about|on)\s+me|(?:show\s+(?:me\s+)?)?(?:all\s+)?my\s+data)" + _AFTER
)
_FORGET = re.compile(
    _POLITE + r"(?:delete|erase|remove|forget|wipe)\s+(?:all\s+)?(?:my\s+data|me|"
    r"everything(?:\s+(?:about|on)\s+me)?|my\s+account)" + _AFTER
)


_SEXES = {
    "woman": Sex.FEMALE,
    "female": Sex.FEMALE,
    "lady": Sex.FEMALE,
    "man": Sex.MALE,
    "male": Sex.MALE,
    "guy": Sex.MALE,
}
_STAGES = {
    "pregnant": LifeStage.PREGNANT,
    "expecting": LifeStage.PREGNANT,
    "breastfeeding": LifeStage.BREASTFEEDING,
    "breast feeding": LifeStage.BREASTFEEDING,
}
_AGE = r"(?P<age>\d{1,3})(?:[\s-]*(?:years?|yrs?|y)(?:[\s-]*old)?|\s*y\.?o)?"
_SEX = r"(?P<sex>" + _alternatives(_SEXES) + r")"
_A = r"(?:a\s+|an\s+)?"
# "I'm 35", "I am a 40 year old woman", "I'm 45, a woman"; "I'm a woman, 45", "I'm a man of
# 60"; and without "I'm", "45 female", "female 45" (punctuation is folded to spaces first).
_PROFILES = tuple(
    re.compile(_POLITE + pattern + _AFTER)
    for pattern in (
        _I_AM + r"\s+" + _A + r"(?:" + _AGE + r")?[\s-]*(?:(?:and\s+)?" + _A + _SEX + r")?",
        _I_AM + r"\s+" + _A + _SEX + r"\s+(?:(?:aged|of)\s+)?" + _AGE,
        _AGE + r"[\s-]*" + _SEX,
        _SEX + r"\s+(?:(?:aged|of)\s+)?" + _AGE,
        # "I'm 32 and pregnant", "I am 28 and breastfeeding"
        _I_AM + r"\s+" + _AGE + r"\s+(?:and\s+)?(?P<stage>" + _alternatives(_STAGES) + r")",
    )
)
# "I'm pregnant", "I am 30 weeks pregnant", "I'm pregnant, 30 weeks", "I'm breastfeeding".
_STAGE = re.compile(
    _POLITE
    + _I_AM
    + r"\s+(?:(?:now|currently)\s+)?(?:\d{1,2}\s*(?:weeks?|wks?|w)\s+)?(?P<stage>"
    + _alternatives(_STAGES)
    + r")(?:\s+(?:again|now))?(?:\s+\d{1,2}\s*(?:weeks?|wks?|w))?"
    + _AFTER
)
# Older than anyone lives: a joke or a typo, not an age.
_MAX_AGE = 120
_AGE_RANGE_ERROR = (
    f"I can use an age from 1 to {_MAX_AGE} years, for example “I'm 45” or "
    "“I'm a 40-year-old woman”."
)
# Words that make a number an age ("200 years old", "a 0-year-old man"), so that an age
# nobody has is explained; a bare "I'm 500" stays a question.
_SAID_AS_AGE = re.compile(r"\b(?:years?|yrs?|y|yo|old|aged|of)\b|\d\s*y\.?o\b")


_PUNCTUATION = re.compile(r"[^\w:.+/-]+")


def setting_request(text: str) -> SettingRequest | None:
    """The setting a short typed message asks to change, or None for anything else."""
    if len(text) > MAX_CHARS:
        return None
    # Keep what times and zones are written with: "7:30", "7 a.m.", "UTC+2", "Europe/Berlin".
    line = " ".join(_PUNCTUATION.sub(" ", fold(text)).split()).strip(".")
    if match := _TIME.fullmatch(line):
        try:
            return SettingRequest(Setting.TIME, time=parse_delivery_time(match["value"]))
        except TimeParseError as error:
            # "Tips at 25:00" was meant as a time and gets told why it is not one; "tips for
            # cramps" was not, and stays a question.
            if match["value"][0].isdigit():
                return SettingRequest(Setting.TIME, error=str(error))
            return None
    if match := _ZONE.fullmatch(line):
        return SettingRequest(Setting.ZONE, place=match["value"])
    if match := _DIET.fullmatch(line):
        return SettingRequest(Setting.DIET, diets=_diets_of(match))
    if match := _FREQUENCY.fullmatch(line):
        phrase = " ".join(next(g for g in match.groups() if g).replace("-", " ").split())
        return SettingRequest(Setting.FREQUENCY, frequency=_OFTEN[phrase])
    if _FEWER.fullmatch(line):
        return SettingRequest(Setting.FREQUENCY)
    if _STOP.fullmatch(line):
        return SettingRequest(Setting.STOP)
    return _without_value(line)


def _without_value(line: str) -> SettingRequest | None:
    """Requests that name no value: a diet to untick, a menu to show, the person's data."""
    if match := _NO_LONGER.fullmatch(line):
        return SettingRequest(Setting.DIET, diets=_diets_of(match), remove=True)
    for menu, pattern in _MENUS:
        if pattern.fullmatch(line):
            return SettingRequest(Setting.MENU, menu=menu)
    if _MY_DATA.fullmatch(line):
        return SettingRequest(Setting.MY_DATA)
    if _FORGET.fullmatch(line):
        return SettingRequest(Setting.FORGET)
    return _profile(line)


def _profile(line: str) -> SettingRequest | None:
    """ "I'm 35", "I am a 40 year old woman", "I'm a man", "I'm 32 and pregnant",
    "I'm pregnant": the optional profile."""
    match = next((m for pattern in _PROFILES if (m := pattern.fullmatch(line))), None)
    said = match.groupdict() if match is not None else {}
    if not (said.get("age") or said.get("sex")):
        if alone := _STAGE.fullmatch(line):
            # Pregnancy and breastfeeding have their own figures; the age comes from the menu.
            return SettingRequest(
                Setting.PROFILE, sex=Sex.FEMALE, life_stage=_STAGES[alone["stage"]]
            )
        return None
    band = None
    if said.get("age"):
        years = int(said["age"])
        if not 1 <= years <= _MAX_AGE:
            if said.get("sex") or _SAID_AS_AGE.search(line):
                return SettingRequest(Setting.PROFILE, error=_AGE_RANGE_ERROR)
            return None
        band = AgeBand.for_years(years)
    if said.get("stage"):
        return SettingRequest(
            Setting.PROFILE, age_band=band, sex=Sex.FEMALE, life_stage=_STAGES[said["stage"]]
        )
    sex = _SEXES[said["sex"]] if said.get("sex") else None
    return SettingRequest(Setting.PROFILE, age_band=band, sex=sex)


def _diets_of(match: re.Match[str]) -> tuple[Diet, ...]:
    def words(group: str) -> str:
        return " ".join(match[group].replace("-", " ").split())

    if match["diet"]:
        return _DIET_WORDS[words("diet")]
    if match["allergy"]:
        return _ALLERGY[words("allergy")]
    return _AVOIDED[words("avoid" if match["avoid"] else "allergic")]
