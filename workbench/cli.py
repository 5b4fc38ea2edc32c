"""The ``workbench`` command: the global options, the sub-commands and the error handling.

Each sub-command lives in a module of :mod:`workbench.commands` that registers its own
parser; heavy modules are imported inside each command, so ``--help`` answers at once.

Errors a user can cause print one line, ``workbench: error: ...``, and exit 2; ``--debug``
shows the traceback instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from workbench.commands import register_all

__all__ = ["main"]


def _say(msg: str) -> None:
    print(msg, file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per step of the workflow."""
    p = argparse.ArgumentParser(
        prog="workbench",
        description="AI-assisted post-production on filmed material: ingest dailies, "
                    "propose corrections, decide, render what was accepted.")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, fn: Callable[[argparse.Namespace], int], help_: str
            ) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.set_defaults(fn=fn)
        return sp

    register_all(add)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``workbench`` command."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.fn(args))
    except BrokenPipeError:  # `workbench log DIR | head`: the reader left, nothing is wrong
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        _say("workbench: interrupted; files already written are complete, none is partial")
        return 130
    except Exception as exc:
        if args.debug:
            raise
        from workbench.errors import WorkbenchError

        if isinstance(exc, WorkbenchError):
            _say(f"workbench: error: {exc}")
            return 2
        if isinstance(exc, OSError) and exc.filename:
            _say(f"workbench: error: {exc.filename}: {exc.strerror}")
            return 2
        _say(f"workbench: unexpected {type(exc).__name__}: {exc} (run with --debug for details)")
        return 1


if __name__ == "__main__":
    sys.exit(main())
