"""Which typed messages ask to change a setting, and what they ask for."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.commands import CommandInfo, typed_command
from content import AgeBand, Diet, LifeStage, Sex
from content.answering.dose_report import reports_own_dose
from content.answering.plan_request import asks_for_plan
from content.answering.setting_request import (
    MAX_CHARS,
    Menu,
    Setting,
    SettingRequest,
    setting_request,
)
from content.eval_sets import message_of, read_splits
from content.schedule import Frequency

ASK_EVAL = Path(__file__).parent / "ask_eval.yaml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("send my tips at 7am", SettingRequest(Setting.TIME, time=dt.time(7))),
        (
            "Can you send me the daily tip at 8:30 pm please?",
            SettingRequest(Setting.TIME, time=dt.time(20, 30)),
        ),
        ("change my tip time to 06:45", SettingRequest(Setting.TIME, time=dt.time(6, 45))),
        ("I'd like my tips at 9 a.m.", SettingRequest(Setting.TIME, time=dt.time(9))),
        ("tips at ８：３０", SettingRequest(Setting.TIME, time=dt.time(8, 30))),
        ("Change my time zone to Berlin", SettingRequest(Setting.ZONE, place="berlin")),
        ("my timezone is America/New_York", SettingRequest(Setting.ZONE, place="america/new_york")),
        ("time zone: UTC-5", SettingRequest(Setting.ZONE, place="utc-5")),
        ("I'm vegan", SettingRequest(Setting.DIET, diets=(Diet.VEGAN,))),
        ("i am plant-based now", SettingRequest(Setting.DIET, diets=(Diet.VEGAN,))),
        ("I’m gluten free", SettingRequest(Setting.DIET, diets=(Diet.GLUTEN_FREE,))),
        ("I don't eat meat", SettingRequest(Setting.DIET, diets=(Diet.VEGETARIAN,))),
        ("I'm allergic to tree-nuts", SettingRequest(Setting.DIET, diets=(Diet.NO_NUTS,))),
        # Everyday "nuts" often takes in peanuts: both are ticked, and the menu can untick.
        (
            "I'm allergic to nuts",
            SettingRequest(Setting.DIET, diets=(Diet.NO_NUTS, Diet.NO_PEANUTS)),
        ),
        (
            "I have a nut allergy",
            SettingRequest(Setting.DIET, diets=(Diet.NO_NUTS, Diet.NO_PEANUTS)),
        ),
        ("I have a peanut allergy", SettingRequest(Setting.DIET, diets=(Diet.NO_PEANUTS,))),
        ("send me tips once a week", SettingRequest(Setting.FREQUENCY, frequency=Frequency.WEEKLY)),
        ("tips on weekdays only", SettingRequest(Setting.FREQUENCY, frequency=Frequency.WEEKDAYS)),
        (
            "three-times-a-week tips please",
            SettingRequest(Setting.FREQUENCY, frequency=Frequency.THREE_A_WEEK),
        ),
        ("tips every day", SettingRequest(Setting.FREQUENCY, frequency=Frequency.DAILY)),
        ("too many messages!", SettingRequest(Setting.FREQUENCY)),
        ("less often please", SettingRequest(Setting.FREQUENCY)),
        ("STOP", SettingRequest(Setting.STOP)),
        ("I'm not vegan any more", SettingRequest(Setting.DIET, diets=(Diet.VEGAN,), remove=True)),
        ("change my time zone", SettingRequest(Setting.MENU, menu=Menu.ZONE)),
        ("my timezone is wrong", SettingRequest(Setting.MENU, menu=Menu.ZONE)),
        ("change the time of my tips", SettingRequest(Setting.MENU, menu=Menu.TIME)),
        ("change my diet", SettingRequest(Setting.MENU, menu=Menu.DIET)),
        ("when is my next tip?", SettingRequest(Setting.MENU, menu=Menu.MAIN)),
        ("what did you store about me?", SettingRequest(Setting.MY_DATA)),
        ("please delete my data", SettingRequest(Setting.FORGET)),
        (
            "I'm a 40-year-old woman",
            SettingRequest(Setting.PROFILE, age_band=AgeBand.YEARS_31_50, sex=Sex.FEMALE),
        ),
        ("i am 8 years old", SettingRequest(Setting.PROFILE, age_band=AgeBand.YEARS_4_8)),
        ("I'm a man", SettingRequest(Setting.PROFILE, sex=Sex.MALE)),
        (
            "I'm 45, a woman",
            SettingRequest(Setting.PROFILE, age_band=AgeBand.YEARS_31_50, sex=Sex.FEMALE),
        ),
        (
            "I am a man of 60",
            SettingRequest(Setting.PROFILE, age_band=AgeBand.YEARS_51_PLUS, sex=Sex.MALE),
        ),
        (
            "female, 27",
            SettingRequest(Setting.PROFILE, age_band=AgeBand.YEARS_19_30, sex=Sex.FEMALE),
        ),
        (
            "52 male",
            SettingRequest(Setting.PROFILE, age_band=AgeBand.YEARS_51_PLUS, sex=Sex.MALE),
        ),
        ("thanks, stop", SettingRequest(Setting.STOP)),
        (
            "I'm pregnant, 30 weeks",
            SettingRequest(Setting.PROFILE, sex=Sex.FEMALE, life_stage=LifeStage.PREGNANT),
        ),
        (
            "I'm 32 and pregnant",
            SettingRequest(
                Setting.PROFILE,
                age_band=AgeBand.YEARS_31_50,
                sex=Sex.FEMALE,
                life_stage=LifeStage.PREGNANT,
            ),
        ),
        (
            "im breastfeeding",
            SettingRequest(Setting.PROFILE, sex=Sex.FEMALE, life_stage=LifeStage.BREASTFEEDING),
        ),
        ("please stop sending me tips!", SettingRequest(Setting.STOP)),
        ("pause", SettingRequest(Setting.STOP)),
        ("unsubscribe", SettingRequest(Setting.STOP)),
    ],
)
def test_requests(text: str, expected: SettingRequest) -> None:
    assert setting_request(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # Questions that mention a time, a place, a diet or stopping stay questions.
        "is it ok to take magnesium at 7am?",
        "I'm vegan, where do I get magnesium?",
        "I live in constant pain",
        "my time zone changed and now I can't sleep",
        "I'm allergic to magnesium",
        "stop cramps",
        "how do I stop my leg cramps",
        "stop taking magnesium",
        "tips for cramps",
        "send my tips at breakfast",  # not a clock time
        "every day",  # too thin alone: it may answer anything
        "weekly",
        "once a week is enough?",
        "too many pills",
        "I take magnesium every day",
        "when is the best time to take magnesium",
        "what data supports magnesium for cramps",
        "my data shows low magnesium",
        "change time zones and jet lag cramps",
        "I'm not a vegan but I eat little meat",
        "I'm 35 and have cramps",
        "I'm 45 and tired",
        "I'm pregnant, can I take magnesium?",
        "I'm pregnant and have a bad headache",
        "I'm nursing my mum",
        "woman 45 cramps",
        "45",
        "female",
        "thanks",
        "I'm 0",
        "I'm 500",
        "I'm manic",
        "I'm fine",
        "",
        "🛑",
        "стоп",
    ],
)
def test_not_requests(text: str) -> None:
    assert setting_request(text) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [("send my tips at 25:00", "hours run 0-23"), ("tips at 13pm", "must be 1 to 12")],
)
def test_a_time_that_does_not_exist_is_explained(text: str, reason: str) -> None:
    request = setting_request(text)
    assert request is not None and request.time is None and reason in request.error


@pytest.mark.parametrize(
    "text", ["I am 200 years old", "I'm a 150-year-old man", "female, 130", "I'm 0 yo"]
)
def test_an_age_nobody_has_is_explained_when_said_as_an_age(text: str) -> None:
    request = setting_request(text)
    assert request is not None and request.setting is Setting.PROFILE
    assert "from 1 to 120 years" in request.error
    assert request.age_band is None and request.sex is None


def test_a_long_message_is_not_a_request() -> None:
    assert setting_request("stop" + " " * (MAX_CHARS - 4)) is not None
    assert setting_request("stop" + " " * (MAX_CHARS - 3)) is None


@pytest.mark.parametrize(
    ("years", "band"),
    [
        (1, AgeBand.YEARS_1_3),
        (3, AgeBand.YEARS_1_3),
        (4, AgeBand.YEARS_4_8),
        (8, AgeBand.YEARS_4_8),
        (9, AgeBand.YEARS_9_13),
        (13, AgeBand.YEARS_9_13),
        (14, AgeBand.YEARS_14_18),
        (18, AgeBand.YEARS_14_18),
        (19, AgeBand.YEARS_19_30),
        (30, AgeBand.YEARS_19_30),
        (31, AgeBand.YEARS_31_50),
        (50, AgeBand.YEARS_31_50),
        (51, AgeBand.YEARS_51_PLUS),
        (120, AgeBand.YEARS_51_PLUS),
    ],
)
def test_age_bands_for_years(years: int, band: AgeBand) -> None:
    assert AgeBand.for_years(years) is band


def test_no_band_in_years_for_a_baby() -> None:
    with pytest.raises(ValueError):
        AgeBand.for_years(0)


def test_no_question_of_the_ask_tuning_set_is_read_as_a_request() -> None:
    """Every tuning question the FAQ should answer reaches it: no settings, command, plan or
    supplement-report rule takes it first (the held-out split is only ever scored, so it is
    not read here)."""
    commands = [CommandInfo(name, "") for name in ("start", "help", "tip", "quiz", "settings")]
    questions = [
        message_of(raw)
        for split, raw in read_splits(ASK_EVAL)
        if split == "tuning" and raw.get("faq")
    ]
    taken = [
        message
        for message in questions
        if setting_request(message)
        or asks_for_plan(message)
        or typed_command(message, commands)
        or reports_own_dose(message)
    ]
    assert len(questions) > 500 and taken == []
