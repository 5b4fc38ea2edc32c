"""Who may reach the dashboard: where it binds, the login it needs, and the extra it needs.

Bound to 127.0.0.1 unless told otherwise. Binding anywhere else exposes the title (and, with
decisions enabled, the journal) to the network, so it needs Panel's basic auth or an OAuth
provider: :func:`check_bind` refuses to start wide open. Standard library only, so the command
checks all this before importing Panel.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass

from workbench.errors import ParameterError, WorkbenchError

__all__ = ["Auth", "check_bind", "is_loopback", "require_panel", "websocket_origins"]


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
        return bool(self.basic_auth or self.oauth_provider or os.environ.get("PANEL_BASIC_AUTH")
                    or os.environ.get("PANEL_OAUTH_PROVIDER"))


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
