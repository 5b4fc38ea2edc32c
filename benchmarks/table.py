"""Print benchmarks/results.json as the README's Markdown tables.

``python -m benchmarks.table`` prints every entry; ``python -m benchmarks.table look_ match_``
only the entries whose names start with one of the prefixes given.
"""

from __future__ import annotations

import json
import sys

from benchmarks.common import RESULTS


def table(prefixes: tuple[str, ...] = ()) -> str:
    """The results as a Markdown table, one row per entry (those starting with ``prefixes``)."""
    rows = ["| benchmark | workbench | anchor | anchor's figure | ratio |",
            "|---|---|---|---|---|"]
    machines = set()
    for e in json.loads(RESULTS.read_text()):
        if prefixes and not e["name"].startswith(prefixes):
            continue
        machines.add(e["machine"])
        anchor_value = "—" if e["anchor_value"] is None else f"{e['anchor_value']:g} {e['unit']}"
        ratio = "—" if e["ratio"] is None else f"{e['ratio']:.2f}×"
        rows.append(f"| `{e['name']}` | {e['value']:g} {e['unit']} | {e['anchor']} | "
                    f"{anchor_value} | {ratio} |")
    rows.append("")
    rows.append(f"Measured on: {'; '.join(sorted(machines))}.")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table(tuple(sys.argv[1:])))
