"""Print benchmarks/results.json as the README's Markdown table: ``python -m benchmarks.table``."""

from __future__ import annotations

import json

from benchmarks.common import RESULTS


def table() -> str:
    """The results as a Markdown table, one row per entry."""
    rows = ["| benchmark | workbench | anchor | anchor's figure | ratio | machine |",
            "|---|---|---|---|---|---|"]
    for e in json.loads(RESULTS.read_text()):
        anchor_value = "—" if e["anchor_value"] is None else f"{e['anchor_value']:g} {e['unit']}"
        ratio = "—" if e["ratio"] is None else f"{e['ratio']:.2f}×"
        rows.append(f"| `{e['name']}` | {e['value']:g} {e['unit']} | {e['anchor']} | "
                    f"{anchor_value} | {ratio} | {e['machine']} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
