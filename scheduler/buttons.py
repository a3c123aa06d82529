"""The inline buttons on tips and quiz questions: pure renderers shared by the delivery
engine (which sends them on scheduled messages) and the bot (which sends them on /tip and
/quiz and reads them back when pressed).

Every button's callback data is signed for its chat (runtime/signing.py), so a handler
sees only data this bot made for that chat. The families:

- `tp|<act>|<ref(tip id)>`: a tip's buttons. `act` is one of the `TIP_*` letters below.
- `qz|<round id, base 36>|<position>|<option index>`: an answer to one quiz question.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from content import Library
from runtime.signing import CallbackCodec, base36, ref
from scheduler.render import esc

if TYPE_CHECKING:
    from storage.learning import QuizRound

TIP_FAMILY: Final = "tp"
QUIZ_FAMILY: Final = "qz"

# The tip buttons' actions (the `act` field of `tp` data).
TIP_UP: Final = "u"  # 👍 helpful
TIP_DOWN: Final = "d"  # 👎 not helpful
TIP_MORE: Final = "m"  # 📖 tell me more
TIP_LATER: Final = "l"  # ⏰ open the Later choices
TIP_HOUR: Final = "h"  # ⏰ again in an hour
TIP_EVENING: Final = "e"  # 🌙 again this evening
TIP_BACK: Final = "b"  # ↩️ back to the tip's buttons
TIP_ACTIONS: Final = frozenset(
    {TIP_UP, TIP_DOWN, TIP_MORE, TIP_LATER, TIP_HOUR, TIP_EVENING, TIP_BACK}
)

# "This evening" means this local time (moved out of the chat's quiet hours if need be).
EVENING: Final = dt.time(19, 0)
LETTERS: Final = "ABCD"

LATER_AGAIN_HEADING: Final = "⏰ Here is today's tip again"
WEEKLY_QUIZ_HEADING: Final = "Weekly quiz"
QUIZ_HEADING: Final = "Quiz"


# A keyboard as Telegram's JSON: rows of buttons, each a label and its callback data.
KeyboardJSON = dict[str, list[list[dict[str, str]]]]
# Rows of (label, signed callback data): the one description both forms are built from.
Rows = list[list[tuple[str, str]]]


def _tip_button(
    codec: CallbackCodec, chat_id: int, tip_id: str
) -> Callable[[str, str], tuple[str, str]]:
    """A maker of (label, data) for one tip's buttons in one chat."""
    tip_ref = ref(tip_id)

    def button(label: str, act: str) -> tuple[str, str]:
        return label, codec.sign(chat_id, TIP_FAMILY, act, tip_ref)

    return button


def _markup(rows: Rows) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def _tip_rows(codec: CallbackCodec, chat_id: int, tip_id: str, *, later: bool) -> Rows:
    """👍 👎 on the first row; 📖 Tell me more and ⏰ Later on the second (no Later on a tip
    that already came back later, so it cannot bounce all day)."""
    button = _tip_button(codec, chat_id, tip_id)
    second = [button("📖 Tell me more", TIP_MORE)]
    if later:
        second.append(button("⏰ Later", TIP_LATER))
    return [[button("👍", TIP_UP), button("👎", TIP_DOWN)], second]


def tip_keyboard(
    codec: CallbackCodec, chat_id: int, tip_id: str, *, later: bool = True
) -> InlineKeyboardMarkup:
    """A tip's buttons, for the bot's own replies (/tip, edits after a press)."""
    return _markup(_tip_rows(codec, chat_id, tip_id, later=later))


def tip_keyboard_json(
    codec: CallbackCodec, chat_id: int, tip_id: str, *, later: bool = True
) -> KeyboardJSON:
    """The same buttons as Telegram's JSON, for the delivery engine's raw sends: building
    python-telegram-bot's objects only to turn them back into dicts cost the engine about
    50 µs a message (a tenth of its time per message)."""
    rows = _tip_rows(codec, chat_id, tip_id, later=later)
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": data} for label, data in row] for row in rows
        ]
    }


def later_keyboard(
    codec: CallbackCodec, chat_id: int, tip_id: str, *, evening: bool
) -> InlineKeyboardMarkup:
    """The Later choices: in an hour, this evening (left out once the evening has begun)
    and back to the tip's buttons."""
    button = _tip_button(codec, chat_id, tip_id)
    row = [button("⏰ In an hour", TIP_HOUR)]
    if evening:
        row.append(button("🌙 This evening", TIP_EVENING))
    return _markup([row, [button("↩️ Back", TIP_BACK)]])


def quiz_data(codec: CallbackCodec, chat_id: int, round_id: int, position: int, option: int) -> str:
    """The signed callback data of one answer button."""
    return codec.sign(chat_id, QUIZ_FAMILY, base36(round_id), str(position), str(option))


def quiz_message(
    codec: CallbackCodec, chat_id: int, round: QuizRound, library: Library, *, heading: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The round's current question (HTML) with one row of letter buttons A-D.

    The options are written in the text, not on the buttons: a button's label is cut
    short on phones, and the text keeps the options readable after the answer."""
    quiz = library.quiz(round.quiz_ids[round.position])
    lines = [
        f"🧠 <b>{esc(heading)}</b> · question {round.position + 1} of {len(round.quiz_ids)}",
        "",
        esc(quiz.question),
        "",
        *(f"{LETTERS[i]}. {esc(option)}" for i, option in enumerate(quiz.options)),
    ]
    buttons = [
        InlineKeyboardButton(
            LETTERS[i], callback_data=quiz_data(codec, chat_id, round.id, round.position, i)
        )
        for i in range(len(quiz.options))
    ]
    return "\n".join(lines), InlineKeyboardMarkup([buttons])
