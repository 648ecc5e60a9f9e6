"""Benchmarks (``make bench``): each ``bench_*.py`` module has ``run(report)``.

They run against the database of ``DATABASE_URL`` (SQLite by default) in a throw-away test
database, print each figure beside the limit it is compared with, and assert nothing about
seconds: the tests assert query counts and complexity instead.
"""
