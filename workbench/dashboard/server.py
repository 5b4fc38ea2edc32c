"""Serving the dashboard with Panel: the page, the pictures route and the login.

Where it may bind and who may enter is :mod:`workbench.dashboard.access`; the pictures route
sits behind the same login as the page.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from workbench.dashboard.access import Auth, check_bind, require_panel, websocket_origins
from workbench.dashboard.app import PICTURE_ROUTE, DashboardConfig, build_app
from workbench.dashboard.pictures import KINDS, PictureCache
from workbench.errors import TitleError

__all__ = ["make_server"]


def _picture_handler(cache: PictureCache, pool: ThreadPoolExecutor) -> type:
    import tornado.web
    from bokeh.server.views.auth_request_handler import AuthRequestHandler
    from tornado.ioloop import IOLoop

    class PictureHandler(AuthRequestHandler):
        """``/pictures/<shot>/<kind>.jpg?v=<key>``: a shot's JPEG, behind the page's login."""

        @tornado.web.authenticated
        async def get(self, shot: str, kind: str) -> None:
            from urllib.parse import unquote

            if kind not in KINDS:
                raise tornado.web.HTTPError(404)
            key = self.get_argument("v", "")
            try:
                pictures = await IOLoop.current().run_in_executor(
                    pool, cache.get, unquote(shot), key)
            except (TitleError, KeyError) as exc:
                raise tornado.web.HTTPError(404, reason=str(exc)[:200]) from None
            self.set_header("Content-Type", "image/jpeg")
            self.set_header("Cache-Control", "private, max-age=86400")
            self.write(pictures.get(kind))

    return PictureHandler


def make_server(config: DashboardConfig, *, port: int, address: str = "127.0.0.1",
                auth: Auth | None = None, origins: tuple[str, ...] = (),
                show: bool = False) -> Any:
    """A started-later Panel server for ``config`` (call ``.io_loop.start()`` or ``.start()``).

    Checks the bind first (:func:`check_bind`); the title is opened read-only per request,
    read-write only for a decision.
    """
    auth = auth or Auth()
    check_bind(address, auth)
    require_panel()
    import panel as pn

    pn.extension("tabulator", notifications=False)
    cache = PictureCache(config.root)
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="dashboard-pictures")
    if config.profiles is not None:
        config.profiles.start()
    kwargs: dict[str, Any] = {}
    if auth.basic_auth:
        kwargs["basic_auth"] = auth.basic_auth
    if auth.oauth_provider:
        kwargs["oauth_provider"] = auth.oauth_provider
    if auth.cookie_secret:
        kwargs["cookie_secret"] = auth.cookie_secret
    return pn.serve(
        lambda: build_app(config), port=port, address=address,
        websocket_origin=websocket_origins(address, port, origins), show=show, start=False,
        title="workbench dashboard", liveness=True,  # GET /liveness: up, without a session
        extra_patterns=[(rf"{PICTURE_ROUTE}/([^/]+)/([a-z]+)\.jpg",
                         _picture_handler(cache, pool))],
        **kwargs)
