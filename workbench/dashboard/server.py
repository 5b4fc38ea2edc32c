"""Serving the dashboard with Panel: where it binds, who may enter, and the pictures route.

Bound to 127.0.0.1 unless told otherwise. Binding anywhere else exposes the title (and, with
decisions enabled, the journal) to the network, so it needs Panel's basic auth or an OAuth
provider; :func:`check_bind` refuses to start wide open. The pictures route sits behind the
same login as the page.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from workbench.dashboard.app import PICTURE_ROUTE, DashboardConfig, build_app
from workbench.dashboard.pictures import KINDS, PictureCache
from workbench.errors import ParameterError, TitleError, WorkbenchError

__all__ = ["Auth", "check_bind", "is_loopback", "make_server", "require_panel",
           "websocket_origins"]


@dataclass(frozen=True)
class Auth:
    """How readers log in: Panel's basic auth (a password or a JSON file of users) or OAuth.

    Unset fields fall back to Panel's own environment variables (``PANEL_BASIC_AUTH``,
    ``PANEL_OAUTH_PROVIDER``, ``PANEL_COOKIE_SECRET``, ...).
    """

    basic_auth: str | None = None
    oauth_provider: str | None = None
    cookie_secret: str | None = None

    @property
    def configured(self) -> bool:
        """True when some login is required."""
        return bool(self.basic_auth or self.oauth_provider
                    or os.environ.get("PANEL_BASIC_AUTH") or os.environ.get("PANEL_OAUTH_PROVIDER"))


def require_panel() -> None:
    """Raise a clear error when the ``dashboard`` extra is not installed."""
    try:
        import holoviews  # noqa: F401
        import panel  # noqa: F401
    except ImportError as exc:
        raise WorkbenchError(f"the dashboard needs the `dashboard` extra ({exc.name} is not "
                             f"installed): pip install 'workbench[dashboard]'") from None


def is_loopback(address: str) -> bool:
    """True for an address only this machine can reach (``127.0.0.1``, ``::1``, localhost)."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def check_bind(address: str, auth: Auth) -> None:
    """Refuse to listen beyond this machine without a login."""
    if is_loopback(address) or auth.configured:
        return
    raise ParameterError(
        f"refusing to serve the dashboard on {address} without a login: anyone who can reach "
        f"this machine could read the title (and decide, with --allow-decisions). Give "
        f"--basic-auth PASSWORD|USERS.json (and --cookie-secret) or --oauth-provider NAME "
        f"(with Panel's PANEL_OAUTH_KEY/PANEL_OAUTH_SECRET), or bind --address 127.0.0.1")


def websocket_origins(address: str, port: int, extra: tuple[str, ...] = ()) -> list[str]:
    """The origins the page's websocket may come from: the bound address and port."""
    hosts = {address}
    if is_loopback(address):
        hosts |= {"127.0.0.1", "localhost"}
    elif address in ("0.0.0.0", "::"):
        hosts |= {socket.gethostname(), socket.getfqdn()}
    return sorted(f"{h}:{port}" for h in hosts) + list(extra)


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
