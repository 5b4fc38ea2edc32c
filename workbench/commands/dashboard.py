"""``workbench dashboard``: the producers' Panel app on a title, or a static report of it.

Served on 127.0.0.1 by default and read-only; ``--allow-decisions`` lets the named
``--reviewer`` accept or reject, journaled like every other decision. Binding beyond this
machine needs a login (``--basic-auth`` or ``--oauth-provider``). ``--export report.html``
writes a self-contained page instead of serving.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.commands import AddCommand

__all__ = ["cmd_dashboard", "register"]


def _port(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a TCP port (1-65535), got {value}")
    return value


def register(add: AddCommand) -> None:
    """Add ``dashboard`` through ``add(name, fn, help)``."""
    sp = add("dashboard", cmd_dashboard,
             "serve the producers' dashboard of a title (status, before/after, decisions, "
             "continuity, profiles, batch progress), or export it as one HTML file")
    sp.add_argument("dir", type=Path, help="the title directory")
    sp.add_argument("--port", type=_port, default=5006, help="port (default 5006)")
    sp.add_argument("--address", default="127.0.0.1",
                    help="address to bind (default 127.0.0.1; anything else needs a login)")
    sp.add_argument("--allow-decisions", action="store_true",
                    help="let --reviewer accept or reject proposals (journaled)")
    sp.add_argument("--reviewer", help="who decides, as the journal records it "
                                       "(required with --allow-decisions)")
    sp.add_argument("--batch", type=Path, nargs="+", action="extend", default=[],
                    metavar="DIR",
                    help="batch output folders to follow (besides TITLE_DIR/batches/*)")
    sp.add_argument("--export", type=Path, metavar="REPORT.html",
                    help="write a static, self-contained page and exit (no server)")
    sp.add_argument("--basic-auth", metavar="PASSWORD|USERS.json",
                    help="Panel basic auth: one password, or a JSON file of user: password")
    sp.add_argument("--oauth-provider", help="Panel OAuth provider (generic, github, "
                                             "azure, ...; key and secret from PANEL_OAUTH_*)")
    sp.add_argument("--cookie-secret", help="secret that signs login cookies")
    sp.add_argument("--origin", action="append", default=[], metavar="HOST:PORT",
                    help="another origin the page may be opened from (a proxy's name)")
    sp.add_argument("--show", action="store_true", help="open a browser")


def cmd_dashboard(a: argparse.Namespace) -> int:
    """Serve until interrupted, or export and exit."""
    from workbench.errors import ParameterError
    from workbench.title import Title

    if a.allow_decisions and not (a.reviewer or "").strip():
        raise ParameterError("--allow-decisions needs --reviewer NAME: every decision in the "
                             "journal names who took it")
    if a.reviewer and not a.allow_decisions:
        raise ParameterError("--reviewer is for --allow-decisions; without it the dashboard "
                             "is read-only")
    with Title.open(a.dir, "rw" if a.allow_decisions else "ro") as title:
        root, name, shots = title.root, title.settings.name, len(title.shots())
    from workbench.dashboard.access import Auth, check_bind, require_panel

    require_panel()
    if a.export is not None:
        from workbench.dashboard.export import export_report

        path = export_report(root, a.export, batches=tuple(a.batch), progress=not a.quiet)
        print(path)
        return 0
    auth = Auth(a.basic_auth, a.oauth_provider, a.cookie_secret)
    check_bind(a.address, auth)
    from workbench.dashboard.app import DashboardConfig
    from workbench.dashboard.profiles import ProfileSource
    from workbench.dashboard.server import make_server

    config = DashboardConfig(root, allow_decisions=a.allow_decisions,
                             reviewer=a.reviewer.strip() if a.reviewer else None,
                             batches=tuple(a.batch), profiles=ProfileSource(root))
    server = make_server(config, port=a.port, address=a.address, auth=auth,
                         origins=tuple(a.origin), show=a.show)
    host = "127.0.0.1" if a.address in ("0.0.0.0", "::") else a.address
    mode = f"decisions by {config.reviewer}" if a.allow_decisions else "read-only"
    print(f"dashboard of {name!r} ({shots} shots, {mode}) at http://{host}:{a.port}/ "
          f"(Ctrl-C stops it)", file=sys.stderr, flush=True)
    server.start()
    try:
        server.io_loop.start()
    finally:
        server.stop()
    return 0
