"""Killed and survived mutants per module of dlref, from mutmut's results in mutants/ (scripts/mutation).

Prints a table and writes mutants/score.json and mutants/score.md. The score of a module is
killed / (killed + survived), where a mutant that timed out counts as killed (the tests did not
pass) and one that no test executes counts as survived (nothing would notice it). Arguments: module
names under ``dlref.`` to report on (default: every module mutmut has results for). With
``--survivors`` first, it only prints the names of those modules' survivors, one per line, for
``scripts/mutation --survivors`` to run again.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"
KILLED = {"killed", "timeout", "caught by type check", "segfault"}
SURVIVED = {"survived", "no tests"}


def results() -> dict[str, dict[str, str]]:
    """{module: {mutant: status}} for every module with mutmut results."""
    found: dict[str, dict[str, str]] = {}
    for meta in sorted((MUTANTS / "src" / "dlref").rglob("*.py.meta")):
        module = ".".join(meta.relative_to(MUTANTS / "src").with_suffix("").with_suffix("").parts)
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        found[module] = {name: status_by_exit_code[code] for name, code in codes.items()}
    return found


def main(modules: list[str]) -> int:
    everything = results()
    if not everything:
        print("scripts/mutation: no results in mutants/ yet: run scripts/mutation first", file=sys.stderr)
        return 1
    wanted = [f"dlref.{m}" for m in modules] if modules else sorted(everything)
    rows = []
    for module in wanted:
        statuses = everything.get(module, {})
        checked = {name: status for name, status in statuses.items() if status != "not checked"}
        counts = Counter(checked.values())
        killed = sum(counts[s] for s in KILLED)
        survived = sum(counts[s] for s in SURVIVED)
        other = len(checked) - killed - survived
        rows.append(
            {
                "module": module,
                "mutants": len(statuses),
                "checked": len(checked),
                "killed": killed,
                "survived": survived,
                "other": other,
                "score": round(killed / (killed + survived), 4) if killed + survived else None,
                "survivors": sorted(name for name, status in checked.items() if status in SURVIVED),
                "statuses": dict(sorted(counts.items())),
            }
        )
    killed = sum(row["killed"] for row in rows)
    survived = sum(row["survived"] for row in rows)
    total = {
        "killed": killed,
        "survived": survived,
        "checked": sum(row["checked"] for row in rows),
        "mutants": sum(row["mutants"] for row in rows),
        "score": round(killed / (killed + survived), 4) if killed + survived else None,
    }
    (MUTANTS / "score.json").write_text(json.dumps({"modules": rows, "total": total}, indent=2) + "\n")

    def pct(score: float | None) -> str:
        return "-" if score is None else f"{100 * score:.1f}%"

    lines = [
        "| module | mutants | checked | killed | survived | other | score |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        cells = [row["module"], row["mutants"], row["checked"], row["killed"], row["survived"], row["other"]]
        lines.append("| " + " | ".join(str(c) for c in cells) + f" | {pct(row['score'])} |")
    lines.append(
        f"| **all** | {total['mutants']} | {total['checked']} | {killed} | {survived} | "
        f"{total['checked'] - killed - survived} | {pct(total['score'])} |"
    )
    survivors = [name for row in rows for name in row["survivors"]]
    text = "\n".join(lines) + "\n"
    if survivors:
        text += "\nSurvivors (`.venv/bin/mutmut show NAME` shows the change):\n\n"
        text += "".join(f"- `{name}`\n" for name in survivors)
    (MUTANTS / "score.md").write_text(text)
    print(text, end="")
    print(f"\nwritten: {MUTANTS / 'score.json'}, {MUTANTS / 'score.md'}")
    return 0


def survivors(modules: list[str]) -> int:
    """Print the names of the survivors (survived or reached by no test) of ``modules`` (default: all)."""
    everything = results()
    wanted = [f"dlref.{m}" for m in modules] if modules else sorted(everything)
    for module in wanted:
        for name, status in sorted(everything.get(module, {}).items()):
            if status in SURVIVED:
                print(name)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--survivors"]:
        sys.exit(survivors(sys.argv[2:]))
    sys.exit(main(sys.argv[1:]))
