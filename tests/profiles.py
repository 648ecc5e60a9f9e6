"""How hard the randomised tests look: a fixed-seed profile for ``make test`` (CI), a thorough
one on demand (``make test-thorough``). Selected by ``HYPOTHESIS_PROFILE`` (``ci`` by default).

- ``ci``: Hypothesis derandomised (the same examples on every run and every machine, so a red
  run is reproducible and never depends on luck), no example database, no deadline (a busy
  machine is not a failure); the fuzz gives each field one of the wrong values in turn.
- ``thorough``: ten times the examples, a fresh random seed each run (printed on failure), and
  the fuzz sends every wrong value to every field.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
THOROUGH = PROFILE == "thorough"

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("thorough", max_examples=1000, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(PROFILE)


def examples(count: int) -> int:
    """A test's number of examples in CI, ten times as many in the thorough profile."""
    return count * 10 if THOROUGH else count
