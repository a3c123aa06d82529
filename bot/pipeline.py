"""The order every update passes through: one handler group per stage, lowest first.

PTB runs groups in ascending order and at most one handler per group; a stage that ends an
update raises ApplicationHandlerStop. Every `add_handler(..., group=...)` names a stage here.
"""

from __future__ import annotations

from enum import IntEnum


class Stage(IntEnum):
    # Drops updates whose fields do not have the types Telegram documents.
    GUARD = -30
    # Counts the update as arrived (metrics), before anything can stop it.
    ARRIVED = -20
    # Per-chat flood control: a chat over its budget is answered once, then ignored.
    FLOOD = -10
    # Buttons on messages too old for Telegram to show (inaccessible) get a short answer.
    INACCESSIBLE = -5
    # An emergency in the words after a command gets urgent advice before the command runs.
    URGENT = -2
    # A chat's open question (a settings prompt awaiting typed text) takes the text first.
    OPEN_QUESTION = -1
    # The features: commands, buttons and free text.
    FEATURES = 0
    # Counts the update as finished and records its latency.
    DONE = 999_000
