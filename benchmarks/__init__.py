"""Benchmarks: `python -m benchmarks` (extraction per page) and `... crawl` (crawls).

They print numbers and judge nothing: timings depend on the machine (docs/benchmarks.md
has the figures and the machine they were taken on).
"""
