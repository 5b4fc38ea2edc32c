"""The producers' dashboard: a Panel app showing where a title stands, served to a browser.

- :mod:`~workbench.dashboard.catalog`: shots, statuses and the journal, read in bulk;
- :mod:`~workbench.dashboard.pictures`: before/after JPEGs from the proxies, made once;
- :mod:`~workbench.dashboard.profiles`: profiles from the title model, continuity flags;
- :mod:`~workbench.dashboard.batches`: the title's batches and their live progress;
- :mod:`~workbench.dashboard.app`: the page (Panel, HoloViews);
- :mod:`~workbench.dashboard.access`: where it binds and the login it needs;
- :mod:`~workbench.dashboard.server`: the Panel server and the pictures route;
- :mod:`~workbench.dashboard.export`: a static, self-contained report page.

Panel and HoloViews (the ``dashboard`` extra) are imported only by ``app``, ``server`` and
``export``; this package and ``access`` import nothing heavy.
"""

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports

if TYPE_CHECKING:
    from workbench.dashboard.access import Auth, check_bind
    from workbench.dashboard.app import DashboardConfig, build_app
    from workbench.dashboard.export import export_report
    from workbench.dashboard.server import make_server

__getattr__, __dir__ = lazy_exports(__name__, {
    "app": ("DashboardConfig", "build_app"),
    "export": ("export_report",),
    "access": ("Auth", "check_bind"),
    "server": ("make_server",),
})

__all__ = ["Auth", "DashboardConfig", "build_app", "check_bind", "export_report", "make_server"]
