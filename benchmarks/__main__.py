"""Run the benchmarks: ``python -m benchmarks [name …]`` (``make bench``).

Each module ``benchmarks/bench_<name>.py`` defines ``run(report)``; ``report(label, value,
unit, limit=None)`` prints one figure. A fresh test database is created for the run and
dropped afterwards, on SQLite or on PostgreSQL (``DATABASE_URL``).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")


def main(selected: list[str]) -> int:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    import benchmarks

    names = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_"))
    if selected:
        names = [n for n in names if n.removeprefix("bench_") in selected or n in selected]
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    vendor = connection.vendor
    print(f"# Benchmarks on {vendor} ({connection.settings_dict['NAME']}), {os.cpu_count()} cores")
    try:
        for name in names:
            module = importlib.import_module(f"benchmarks.{name}")
            print(f"\n## {name.removeprefix('bench_')}")
            started = time.perf_counter()
            module.run(report)
            print(f"   ({time.perf_counter() - started:.1f} s)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


def report(label: str, value: float, unit: str, limit: float | None = None, limit_label: str = "") -> None:
    def number(x: float) -> str:
        return f"{x:,.1f}".replace(",", " ")

    line = f"- {label}: {number(value)} {unit}"
    if limit is not None:
        line += f"  (limit {limit_label or 'measured'}: {number(limit)} {unit}; ratio {value / limit:.2f})"
    print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
