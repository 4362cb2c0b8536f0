"""`make bench`: run every benchmark, print its figures, and write them to docs/benchmarks.md."""

from __future__ import annotations

import asyncio

from . import burst, pipeline
from .common import write_section


def main() -> None:
    figures = asyncio.run(pipeline.run())
    write_section("pipeline", pipeline.report(figures))
    print("pipeline:", figures, flush=True)
    rows = asyncio.run(burst.run())
    write_section("burst", burst.report(rows))
    for row in rows:
        print("burst:", row, flush=True)


if __name__ == "__main__":
    main()
