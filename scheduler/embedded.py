"""Delivery inside `python -m bot`: the engine runs beside update handling.

It sends through its own Bot API client (the fast transport) but through the
Application's rate limiter, so interactive replies and the broadcast share one budget
and replies always go first.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import BaseRateLimiter

from content import Library
from runtime.config import EngineSettings
from runtime.ratelimit import BorrowedLimiter, SendLimiter
from runtime.startup import make_bot
from scheduler.engine import MAX_IN_FLIGHT, DeliveryEngine, DeliveryObserver
from scheduler.service import DeliveryService
from storage import Database

log = logging.getLogger(__name__)


class EmbeddedDelivery:
    def __init__(self, service: DeliveryService) -> None:
        self.service = service

    @classmethod
    async def start(
        cls,
        settings: EngineSettings,
        library: Library,
        db: Database,
        limiter: BaseRateLimiter[Any] | None,
        observer: DeliveryObserver | None = None,
    ) -> EmbeddedDelivery:
        if not isinstance(limiter, SendLimiter):
            log.warning("the Application has no SendLimiter; deliveries get their own budget")
            limiter = SendLimiter(
                settings.broadcast_rate, chat_interval=settings.chat_send_interval
            )
        bot = make_bot(settings, BorrowedLimiter(limiter), sends_in_flight=MAX_IN_FLIGHT)
        await bot.initialize()
        service = DeliveryService(DeliveryEngine(db, library, bot, settings, observer=observer))
        service.start()
        return cls(service)

    async def health_check(self) -> bool:
        return await self.service.health_check()

    def use_library(self, library: Library) -> None:
        """Deliver from reloaded content (/reload); a batch being planned keeps the old."""
        self.service.engine.library = library

    def run_soon(self) -> None:
        """Start delivering new work (a confirmed broadcast) now, not at the next minute."""
        self.service.run_soon()

    async def stop(self) -> None:
        await self.service.stop()
        await self.service.engine.bot.shutdown()
