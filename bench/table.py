"""`python -m bench.table`: the last run's lines (bench/results.jsonl) as the README's table."""

from __future__ import annotations

import json

from bench.harness import RESULTS


def _number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 10 else f"{value:,.0f}"
    return str(value)


def main() -> None:
    lines = [json.loads(line) for line in RESULTS.read_text().splitlines() if line.strip()]
    print("| figure | value | baseline | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    for line in lines:
        extra = ""
        if line["name"] == "deadline_surge":
            extra = f" ({line['errors']} errors, {line['lost']} lost, p99 {line['p99_ms']:,.0f} ms)"
        elif "errors" in line and line["errors"]:
            extra = f" ({line['errors']} errors)"
        met = {True: "yes", False: "**no**", None: "n/a"}[line.get("met")]
        baseline = (
            f"{_number(line['baseline_value'])} ({line['baseline']})"
            if line.get("baseline_value") is not None
            else ""
        )
        print(
            f"| `{line['name']}` | {_number(line['value'])} {line['unit']}{extra} | {baseline} "
            f"| {_number(line['ratio'])} | {line.get('target', '')} | {met} |"
        )


if __name__ == "__main__":
    main()
