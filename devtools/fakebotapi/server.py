"""The HTTP face of the fake Telegram: Bot API routes, file downloads and the control API."""

from __future__ import annotations

from types import TracebackType

from aiohttp import web

from .control_routes import add_control_routes
from .engine import FakeTelegram
from .wire import ApiError, ConnectionDropped, json_response, read_params


class FakeBotAPI(FakeTelegram):
    """A fake Bot API server speaking Telegram's real HTTP wire format.

    Point PTB at it with ``base_url=f"{api.url}/bot"`` and ``base_file_url=f"{api.url}/file/bot"``.
    Everything on :class:`FakeTelegram` (injecting updates, faults, inspection) is available here.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        bot_id: int | None = None,
        bot_username: str = "magbot_test_bot",
        bot_first_name: str = "MagBot",
        rate_limit: int | None = None,
        per_chat_limit: int | None = None,
        record: bool = True,
        strict_html: bool = True,
    ) -> None:
        super().__init__(
            token=token,
            bot_id=bot_id,
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            rate_limit=rate_limit,
            per_chat_limit=per_chat_limit,
            record=record,
            strict_html=strict_html,
        )
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        """Root URL, e.g. ``http://127.0.0.1:43211``; only valid once started."""
        if self._url is None:
            raise RuntimeError("FakeBotAPI is not running; call start() first")
        return self._url

    def make_app(self) -> web.Application:
        # Bodies up to 50 MB, like Telegram's upload limit for bots.
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._bot_endpoint)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file_endpoint)
        add_control_routes(app, self)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        if self._runner is not None:
            raise RuntimeError("FakeBotAPI is already running")
        self._closing = False
        # access_log=None: per-request logging costs more than the request itself.
        runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        sockets = runner.addresses
        bound_host, bound_port = sockets[0][0], sockets[0][1]
        self._url = f"http://{bound_host}:{bound_port}"
        return self._url

    async def stop(self) -> None:
        if self._runner is None:
            return
        self.close()
        runner, self._runner = self._runner, None
        await runner.cleanup()
        self._url = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _bot_endpoint(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        try:
            params, files = await read_params(request)
        except ApiError as error:
            return json_response(error.status, error.body())
        except ValueError:
            return json_response(400, ApiError(400, "Bad Request: can't parse request").body())
        try:
            status, body = await self.handle(token, method, params, files)
        except ConnectionDropped:
            # The request was carried out; the client sees the connection close unanswered.
            if request.transport is not None:
                request.transport.close()
            raise web.HTTPServiceUnavailable() from None  # never reaches the closed socket
        return json_response(status, body)

    async def _file_endpoint(self, request: web.Request) -> web.Response:
        upload = self.file_for_path(request.match_info["token"], request.match_info["path"])
        if upload is None:
            return json_response(404, ApiError(404, "Not Found").body())
        return web.Response(body=upload.data, content_type=upload.content_type)
