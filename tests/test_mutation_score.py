"""scripts/mutation_score.py reads CONTRIBUTING.md's list of accepted survivors as it is written."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("mutation_score", ROOT / "scripts" / "mutation_score.py")
assert _spec is not None
assert _spec.loader is not None
mutation_score = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mutation_score)

SECTION = """## Mutation score

```
scripts/mutation --report   # `not` 1 listed: a code block
```

- **Equivalent.** `linalg.norms.vector_norm` 38, 47 (`amax` over `()` is the tensor (a 0-d one)), 61
  (why); `frobenius_norm` 19 (`ord=2` dropped: 2 is the default).
- **How many steps**: `spectral_norm` 75–79, 81 and 82 (the stopping test), 67.
- `Value.backward` 17 (why). `max(n, 2)` gives 2**53 and `linspace` 2.5 (neither is a number list).

## Performance

`after` 3 (another section)
"""


def test_numbers_are_read_across_reasons_in_parentheses() -> None:
    accepted = mutation_score.listed(SECTION)
    assert accepted["vector_norm"] == {38, 47, 61}
    assert accepted["frobenius_norm"] == {19}
    assert accepted["spectral_norm"] == {75, 76, 77, 78, 79, 81, 82, 67}
    assert accepted["backward"] == {17}


def test_code_blocks_other_sections_and_numbers_in_prose_are_not_read() -> None:
    accepted = mutation_score.listed(SECTION)
    assert {"not", "after", "amax", "linspace", "max"}.isdisjoint(accepted)


@pytest.mark.parametrize(
    ("mutant", "expected"),
    [
        ("dlref.linalg.norms.x_vector_norm__mutmut_61", True),
        ("dlref.linalg.norms.x_vector_norm__mutmut_62", False),
        ("dlref.linalg.norms.x_spectral_norm__mutmut_80", False),
        ("dlref.autograd.engine.xǁValueǁbackward__mutmut_17", True),
        ("dlref.autograd.engine.x_backward__mutmut_18", False),
    ],
)
def test_a_survivor_is_listed_by_its_function_and_number(mutant: str, expected: bool) -> None:
    assert mutation_score.is_listed(mutant, mutation_score.listed(SECTION)) is expected


def test_no_section_lists_nothing() -> None:
    assert mutation_score.listed("# CONTRIBUTING\n\n`f` 1\n") == {}
