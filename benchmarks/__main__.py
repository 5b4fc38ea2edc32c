"""Run every benchmark and merge its entries into benchmarks/results.json."""

from __future__ import annotations

import importlib
import sys

from benchmarks.common import RESULTS, write_results

BENCHMARKS = ["bench_cdl", "bench_lut", "bench_pipeline", "ui_latency", "bench_continuity",
              "bench_look", "bench_match", "bench_title", "bench_blur", "bench_cli", "bench_key",
              "bench_match_views", "bench_lighting", "bench_preference", "bench_composite",
              "bench_matte_model", "bench_batch", "bench_dashboard", "bench_playback"]


def main(names: list[str]) -> None:
    """Run the named benchmarks (all by default)."""
    entries = []
    for name in names or BENCHMARKS:
        entries.extend(importlib.import_module(f"benchmarks.{name}").run())
    write_results(entries)
    print(f"wrote {len(entries)} entries to {RESULTS}")


if __name__ == "__main__":
    main(sys.argv[1:])
