"""/tip: the chat's next tip right now, taken from (and counted in) its rotation."""

from __future__ import annotations

from typing import NamedTuple

from content import Library
from scheduler import rotation
from scheduler.render import tip_block
from storage import Database, history
from storage.deliveries import Kind
from storage.models import Chat


class OnDemandTip(NamedTuple):
    text: str
    # The chat is subscribed: the tip counts in its rotation (and may carry buttons).
    known: bool
    tip_id: str


async def next_tip_text(db: Database, library: Library, chat_id: int) -> OnDemandTip | None:
    """Choose, record and render the chat's next tip, or None if the chat's topics have
    no tips.

    A chat we do not know yet gets the first tip of its would-be rotation, unrecorded.
    """
    async with db.session() as session:
        chat = await session.get(Chat, chat_id, with_for_update=True)
        topics = chat.topics if chat is not None else []
        candidates = [t.id for t in rotation.tip_candidates(library, topics)]
        cycle = chat.tip_cycle if chat is not None else 1
        seen = (await history.seen_in_current_cycle(session, [chat_id]))[(chat_id, Kind.TIP)]
        pick = rotation.pick_next(candidates, seen, chat_id=chat_id, cycle=cycle)
        if pick is None:
            return None
        if chat is not None:
            chat.tip_cycle = pick.cycle
            await history.record(
                session, [history.Shown(chat_id, Kind.TIP, pick.item_id, pick.cycle)]
            )
    return OnDemandTip(tip_block(library.tip(pick.item_id)), chat is not None, pick.item_id)
