"""Text folding shared by the index, the queries and the red-flag triage."""

from __future__ import annotations

import re
import unicodedata
from types import MappingProxyType

from bm25s.stopwords import STOPWORDS_EN_PLUS

# Chat filler that carries no topic; BM25 would otherwise reward it where it happens to occur.
_FILLER_WORDS = (
    "im ive id ill hi hey hello please thanks thank ok okay lol lmao omg ya yeah yes nah like "
    "really actually anyway just bit get got gets getting would could also even still know "
    "think bro guys someone something anything quick question whats hows whys thats theres"
)
_CHAT_FILLER = frozenset(_FILLER_WORDS.split())
# "you" is what questions about the bot itself turn on ("are you a doctor", "what can you do").
_KEPT = frozenset({"you", "your"})
# The library's list spells contractions with an apostrophe; folding removes it.
STOPWORDS = (frozenset(w.replace("'", "") for w in STOPWORDS_EN_PLUS) | _CHAT_FILLER) - _KEPT

# Chat spellings, respelled before anything else looks at the words.
RESPELLINGS = MappingProxyType(
    {
        "u": "you",
        "ur": "your",
        "r": "are",
        "ya": "you",
        "wat": "what",
        "wot": "what",
        "nite": "night",
        "pls": "please",
        "plz": "please",
        "thx": "thanks",
        "cuz": "because",
        "coz": "because",
    }
)

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_WORD = re.compile(r"[^\W_]+")
_LETTERS_DIGITS = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")

# Enough words for any real question; a 4,096-character paste is clipped, not analysed whole.
MAX_WORDS = 120


# Words around a request that do not change it ("please", "thanks, stop", "can you ..."),
# as a regular-expression alternation over folded text: typed settings and typed commands
# share it.
POLITE_OPENERS = (
    "please|pls|plz|ok|okay|hi|hey|thanks|thank you|thx|no thanks|can you|could you"
    "|would you|i want to|id like to|i would like to|i wanna"
)


def fold(text: str) -> str:
    """Compatibility-normalise, lowercase and strip accents ("Magnésium" -> "magnesium")."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    if not text.isascii():
        # ASCII has no accents to strip (checked in C; most messages are ASCII).
        decomposed = unicodedata.normalize("NFKD", text)
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        text = unicodedata.normalize("NFC", stripped)
    # Contractions become one word: "can't" -> "cant", matching how people type them anyway.
    return text.replace("'", "")


def words(text: str, limit: int | None = MAX_WORDS) -> list[str]:
    """The folded words of `text`; numbers are split from units ("500mg" -> "500", "mg")."""
    found = _WORD.findall(_LETTERS_DIGITS.sub(" ", fold(text)))
    clipped = found if limit is None else found[:limit]
    return [RESPELLINGS.get(word, word) for word in clipped]


def is_content_word(word: str) -> bool:
    return word not in STOPWORDS and not word.isdigit()
