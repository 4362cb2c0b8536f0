"""Benchmarks: programs that print figures and write them to docs/benchmarks.md (`make bench`)."""
