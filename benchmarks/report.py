"""The end of ``make bench``: one JSON with every figure, its baseline or target, and the ratio.

Reads what ``benchmarks/run.py`` (core.json) and ``benchmarks/scale.py``
(scale.json) wrote under benchmarks/results/, writes benchmarks/results/bench.json
and prints each figure beside what it is measured against. A file that is
missing (PostgreSQL was not there for the scale run, say) is reported as such.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

RESULTS = Path(__file__).resolve().parent / "results"
SOURCES = {"core": "core.json", "scale": "scale.json"}

# figure -> the figure it is measured against, in the same section (ratio = value / baseline)
BASELINES = {
    "audit.verify_events_per_s": "audit.baseline_read_and_hash_events_per_s",
    "search.blind_p50_ms": "search.plain_p50_ms",
    "search.blind_p95_ms": "search.plain_p95_ms",
    "overhead.create_encrypted_ms": "overhead.create_plain_ms",
    "overhead.read_encrypted_ms": "overhead.read_plain_ms",
}
# figure -> (target, its limit on the ratio or the value), from issue 18 and earlier issues
TARGETS = {
    "audit.verify_events_per_s": "of read and hash",
    "search.blind_p95_ms": "<= 1.5x plain",
    "overhead.create_and_read_ratio": "<= 1.2",
    "generation.incidents_per_second": ">= 10,000",
}
SKIPPED = ("when", "seed", "requests", "ratio", "budget_p95_ms", "within_budget")


@dataclass
class Figure:
    name: str
    value: float
    baseline: float | None = None
    target: str = ""
    ratio: float | None = None
    ok: bool | None = None


def _leaves(data: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(data, dict):
        return {prefix: data}
    out: dict[str, Any] = {}
    for key, value in data.items():
        out.update(_leaves(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def figures(section: dict[str, Any]) -> list[Figure]:
    """Every number of one results file, with its baseline, target and ratio where known."""
    leaves = _leaves(section)
    used = set(BASELINES.values())
    out: list[Figure] = []
    for name, value in leaves.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or name in used:
            continue
        last = name.rsplit(".", 1)[-1]
        if last in SKIPPED or last.endswith("_ratio") and name not in TARGETS:
            continue
        figure = Figure(name, float(value), target=TARGETS.get(name, ""))
        stem = name.rsplit(".", 1)[0]
        if name.startswith("pages.pages.") and last == "p95_ms":
            budget = leaves[f"{stem}.budget_p95_ms"]
            figure.target, figure.ratio = f"<= {budget:,.0f} ms", value / budget
            figure.ok = value <= budget
        elif name.startswith("indicators.") and last == "seconds":
            hand = leaves.get(f"{stem}.hand_written_seconds")
            figure.target = "< 1 s, <= 2x SQL"
            if hand:
                figure.baseline, figure.ratio = float(hand), value / hand
            figure.ok = value < 1 and (figure.ratio is None or figure.ratio <= 2)
        elif name in BASELINES and leaves.get(BASELINES[name]):
            figure.baseline = float(leaves[BASELINES[name]])
            figure.ratio = value / figure.baseline
        if name.endswith("hand_written_seconds"):
            continue
        out.append(figure)
    return out


def merge(results: Path = RESULTS) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for section, file_name in SOURCES.items():
        path = results / file_name
        if not path.exists():
            merged[section] = {"missing": str(path.name)}
            continue
        data = json.loads(path.read_text())
        merged[section] = {
            "when": data.get("when"),
            "results": data,
            "figures": [asdict(f) for f in figures(data)],
        }
    return merged


def table(merged: dict[str, Any]) -> Table:
    out = Table(title="eMARAC benchmarks: every figure, its baseline or target, and the ratio")
    for column in ("figure", "value", "baseline", "target", "ratio", ""):
        out.add_column(column, justify="left" if column in ("figure", "target") else "right")
    for section, data in merged.items():
        if "missing" in data:
            out.add_row(f"{section}: {data['missing']} not found", "", "", "", "", "")
            continue
        for f in data["figures"]:
            out.add_row(
                f"{section}.{f['name']}",
                f"{f['value']:,.2f}",
                f"{f['baseline']:,.2f}" if f["baseline"] is not None else "",
                f["target"],
                f"{f['ratio']:.2f}x" if f["ratio"] is not None else "",
                {True: "ok", False: "OVER", None: ""}[f["ok"]],
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=str(RESULTS))
    args = parser.parse_args(argv)
    merged = merge(Path(args.results))
    console = Console(width=160)
    console.print(table(merged))
    out = Path(args.results) / "bench.json"
    out.write_text(json.dumps(merged, indent=2, default=str))
    console.print(f"Saved {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
