"""A small re-implementation of Telegram's HTML parse mode, strict enough to catch escaping bugs.

Telegram rejects a message whose HTML it cannot parse with 400 "can't parse entities". Our bot
must escape every user- or content-supplied string, so this checker is deliberately strict: a
bare ``<``, ``>`` or ``&`` that is not part of a supported tag or entity is an error, as the Bot
API documentation demands.
"""

from __future__ import annotations

import html
import re

SUPPORTED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    }
)

_SPECIAL = re.compile(r"[<>&]")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_ATTRIBUTE = r"""\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>=`]+))?"""
_START_TAG = re.compile(rf"<([a-zA-Z][-a-zA-Z0-9]*)((?:{_ATTRIBUTE})*)\s*>")
_END_TAG = re.compile(r"</([a-zA-Z][-a-zA-Z0-9]*)\s*>")
_ATTR_PAIR = re.compile(
    r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'<>=`]+))?"""
)


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; the message mirrors Telegram's wording.

    Telegram prefixes it with "Bad Request: can't parse entities: ".
    """


def parse_html(text: str) -> str:
    """Return the plain text Telegram would display, or raise :class:`HtmlParseError`."""
    if not _SPECIAL.search(text):
        return text
    plain: list[str] = []
    open_tags: list[tuple[str, int]] = []
    pos = 0
    while (special := _SPECIAL.search(text, pos)) is not None:
        start = special.start()
        plain.append(text[pos:start])
        char = special.group()
        if char == "&":
            entity = _ENTITY.match(text, start)
            if entity is None:
                raise _error(text, start, 'Unescaped "&" (use &amp;)')
            plain.append(html.unescape(entity.group()))
            pos = entity.end()
        elif char == ">":
            raise _error(text, start, 'Unescaped ">" (use &gt;)')
        elif (end_tag := _END_TAG.match(text, start)) is not None:
            _close_tag(text, start, end_tag.group(1).lower(), open_tags)
            pos = end_tag.end()
        elif (start_tag := _START_TAG.match(text, start)) is not None:
            name = start_tag.group(1).lower()
            _check_start_tag(text, start, name, _attributes(start_tag.group(2)))
            open_tags.append((name, start))
            pos = start_tag.end()
        else:
            fragment = text[start + 1 : start + 11].split(">")[0]
            raise _error(text, start, f'Unsupported start tag "{fragment}"')
    plain.append(text[pos:])
    if open_tags:
        name, _ = open_tags[-1]
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{name}"')
    return "".join(plain)


def strip_html(text: str) -> str:
    """Best-effort plain text for length checks, even when the markup is invalid."""
    try:
        return parse_html(text)
    except HtmlParseError:
        return html.unescape(re.sub(r"</?[a-zA-Z][^<>]*>", "", text))


def _attributes(raw: str) -> dict[str, str]:
    return {
        match.group(1).lower(): (match.group(2) or "").strip("\"'")
        for match in _ATTR_PAIR.finditer(raw)
    }


def _check_start_tag(text: str, offset: int, name: str, attributes: dict[str, str]) -> None:
    if name not in SUPPORTED_TAGS:
        raise _error(text, offset, f'Unsupported start tag "{name}"')
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise _error(text, offset, 'Tag "span" must have class "tg-spoiler"')
    if name == "tg-emoji" and "emoji-id" not in attributes:
        raise _error(text, offset, 'Tag "tg-emoji" must have attribute "emoji-id"')


def _close_tag(text: str, offset: int, name: str, open_tags: list[tuple[str, int]]) -> None:
    if not open_tags:
        raise _error(text, offset, f'Unexpected end tag "{name}"')
    expected, _ = open_tags.pop()
    if expected != name:
        raise _error(
            text, offset, f'Unmatched end tag, expected "</{expected}>", found "</{name}>"'
        )


def _error(text: str, offset: int, what: str) -> HtmlParseError:
    byte_offset = len(text[:offset].encode("utf-8"))
    return HtmlParseError(f"{what} at byte offset {byte_offset}")
