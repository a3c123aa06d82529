"""Handlers by feature. Each module exposes FEATURE; order here is matching order."""

from __future__ import annotations

from bot.commands import CommandInfo, Feature
from bot.handlers import (
    admin,
    ask,
    basics,
    foods,
    intake_log,
    pause,
    plan,
    privacy,
    progress,
    quiz,
    settings,
    tip_actions,
    tips,
)
from bot.services import AnyApplication

FEATURES: tuple[Feature, ...] = (
    basics.FEATURE,
    tips.FEATURE,
    tip_actions.FEATURE,
    quiz.FEATURE,
    progress.FEATURE,
    admin.FEATURE,
    settings.FEATURE,
    pause.FEATURE,
    privacy.FEATURE,
    foods.FEATURE,
    plan.FEATURE,
    intake_log.FEATURE,
    ask.FEATURE,
)


def all_commands() -> list[CommandInfo]:
    return [command for feature in FEATURES for command in feature.commands]


def register_all(application: AnyApplication) -> None:
    for feature in FEATURES:
        feature.register(application)
    basics.register_fallbacks(application)


def warm_up_all() -> None:
    """Each feature's one-off loading; blocking, so run it off the event loop."""
    for feature in FEATURES:
        if feature.warm_up is not None:
            feature.warm_up()
