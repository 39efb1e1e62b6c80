"""Hypothesis profiles for the tests, and how many examples each property test tries.

``DLREF_HYPOTHESIS_PROFILE`` names the profile; without it, CI (``CI`` set) uses ``ci`` and
everything else ``dlref``:

- ``dlref``, a developer's run: new random examples every run, as many as the test file names;
  failing examples are kept in ``.hypothesis/`` and tried first the next time.
- ``ci``: new random examples every run too, ``SCALE["ci"]`` times as many, so that CI keeps
  exploring instead of trying the same few dozen inputs each time (a fixed draw never finds what
  it missed once). Nothing is kept between runs; a failure prints its falsifying example and the
  ``@reproduce_failure(...)`` line that replays it exactly (paste it above the test, run the test,
  remove it once fixed), and pytest's header names the profile.
- ``mutation``: the same examples on every run (derandomised), for ``scripts/mutation``: whether a
  planted bug is caught must not depend on the draw.

Edge cases that a random draw may miss are pinned with ``@example`` in the test files; they run
under every profile. ``DLREF_HYPOTHESIS_SCALE`` multiplies the examples of any profile (e.g. 10 for
a long local search).
"""

from __future__ import annotations

import os

SCALE = {"dlref": 1.0, "ci": 4.0, "mutation": 1.0}


def profile() -> str:
    """The profile this run uses."""
    name = os.environ.get("DLREF_HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dlref")
    if name not in SCALE:
        raise ValueError(f"DLREF_HYPOTHESIS_PROFILE={name!r}: expected one of {', '.join(SCALE)}")
    return name


def scale() -> float:
    """The multiplier of this run's examples: the profile's, times ``DLREF_HYPOTHESIS_SCALE``."""
    extra = os.environ.get("DLREF_HYPOTHESIS_SCALE", "1")
    try:
        factor = float(extra)
    except ValueError:
        raise ValueError(f"DLREF_HYPOTHESIS_SCALE={extra!r}: expected a positive number") from None
    if not factor > 0:
        raise ValueError(f"DLREF_HYPOTHESIS_SCALE={extra!r}: expected a positive number")
    return SCALE[profile()] * factor


def scaled(n: int) -> int:
    """``max_examples`` for a test whose file names ``n``: ``n`` times this run's scale, at least 1."""
    return max(1, round(n * scale()))


def load() -> str:
    """Register the profiles with hypothesis and load this run's; return its name."""
    from hypothesis import HealthCheck, settings

    # No per-example deadline (the first call of a torch op can take seconds); the ``device``
    # argument is a function-scoped fixture shared by a test's examples.
    settings.register_profile(
        "dlref", deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], print_blob=True
    )
    base = settings.get_profile("dlref")
    settings.register_profile("ci", parent=base, database=None)
    settings.register_profile("mutation", parent=base, derandomize=True, database=None)
    name = profile()
    settings.load_profile(name)
    return name


def header() -> str:
    """The line pytest prints under its header."""
    name = profile()
    draw = "the same examples every run" if name == "mutation" else "new random examples every run"
    return (
        f"dlref hypothesis profile: {name} ({draw}, {scale():g}x the examples each test names); a failure"
        " prints the @reproduce_failure(...) line that replays it"
    )
