"""Killed and survived mutants per module of dlref, from mutmut's results in mutants/ (scripts/mutation).

Prints a table and writes mutants/score.json and mutants/score.md. The score of a module is
killed / (killed + survived), where a mutant that timed out counts as killed (the tests did not
pass) and one that no test executes counts as survived (nothing would notice it). Arguments: module
names under ``dlref.`` to report on (default: every module mutmut has results for). With
``--survivors`` first, it only prints the names of those modules' survivors, one per line, for
``scripts/mutation --survivors`` to run again.

Each survivor is looked up in the "Mutation score" section of CONTRIBUTING.md, which lists the
accepted ones as a backticked function name followed by mutmut's numbers for it, each number or
range optionally followed by its reason in parentheses: `` `spectral_norm` 75–79, 81 (why), 67 (why) ``.
The report ends with the survivors that section does not list: each needs a test or a line there.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"
KILLED = {"killed", "timeout", "caught by type check", "segfault"}
SURVIVED = {"survived", "no tests"}


def results() -> dict[str, dict[str, str]]:
    """{module: {mutant: status}} for every module with mutmut results."""
    from mutmut.stats import status_by_exit_code  # installed by scripts/mutation, not by CI

    found: dict[str, dict[str, str]] = {}
    for meta in sorted((MUTANTS / "src" / "dlref").rglob("*.py.meta")):
        module = ".".join(meta.relative_to(MUTANTS / "src").with_suffix("").with_suffix("").parts)
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        found[module] = {name: status_by_exit_code[code] for name, code in codes.items()}
    return found


def _numbers_after(text: str) -> set[int]:
    """The numbers and ``a–b`` ranges at the start of ``text``, read across parenthesised reasons:
    ``" 1, 2 (why (really)), 5–7 and 9; rest"`` gives {1, 2, 5, 6, 7, 9}."""
    found: set[int] = set()
    i = 0
    while match := re.match(r"[\s,:]*(?:and\s+)?(\d+)(?:\s*[–-]\s*(\d+))?(?![\w*]|\.\d)", text[i:]):
        first = int(match.group(1))
        found.update(range(first, int(match.group(2) or first) + 1))
        i += match.end()
        start = i + len(text[i:]) - len(text[i:].lstrip())
        if text[start : start + 1] == "(":  # skip the reason, nested parentheses included
            depth = 0
            for end in range(start, len(text)):
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                if depth == 0:
                    i = end + 1
                    break
            else:
                i = len(text)
    return found


def listed(contributing: str) -> dict[str, set[int]]:
    """{function: numbers} of the survivors that CONTRIBUTING.md's "Mutation score" section accepts.

    A function is named by its last dotted part (``Value.backward`` and ``backward`` are both
    ``backward``), so one name covers that function in every module.
    """
    start = contributing.find("## Mutation score")
    if start < 0:
        return {}
    end = contributing.find("\n## ", start + 1)
    section = re.sub(r"```.*?```", "", contributing[start : end if end > 0 else None], flags=re.S)
    found: dict[str, set[int]] = {}
    for name in re.finditer(r"`([A-Za-z_][\w.]*)`", section):
        numbers = _numbers_after(section[name.end() :])
        if numbers:
            found.setdefault(name.group(1).split(".")[-1], set()).update(numbers)
    return found


def is_listed(mutant: str, accepted: dict[str, set[int]]) -> bool:
    """Whether ``accepted`` (from `listed`) names ``mutant``, mutmut's name such as
    ``dlref.autograd.engine.xǁValueǁbackward__mutmut_17`` or ``dlref.linalg.norms.x_vector_norm__mutmut_84``."""
    function, number = mutant.rsplit("__mutmut_", 1)
    function = function.split("ǁ")[-1] if "ǁ" in function else function.rsplit(".", 1)[-1].removeprefix("x_")
    return int(number) in accepted.get(function, set())


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
    accepted = listed((ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8"))
    unlisted = [name for name in survivors if not is_listed(name, accepted)]
    text = "\n".join(lines) + "\n"
    if survivors:
        text += "\nSurvivors (`.venv/bin/mutmut show NAME` shows the change; * not listed in CONTRIBUTING.md):\n\n"
        text += "".join(f"- `{name}`{' *' if name in unlisted else ''}\n" for name in survivors)
        text += f"\n{len(survivors) - len(unlisted)} of {len(survivors)} survivors listed in CONTRIBUTING.md"
        text += f"; not listed: {len(unlisted)}\n" if unlisted else "\n"
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
