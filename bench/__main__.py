"""`make bench`: run every benchmark, print its figures, and write them to docs/benchmarks.md.

The last line printed is one JSON object: the live-voting benchmark's headline figures.
"""

from __future__ import annotations

import asyncio

from . import burst, export, pipeline, sketch, votes
from .common import write_section


def main() -> None:
    figures = asyncio.run(pipeline.run())
    write_section("pipeline", pipeline.report(figures))
    print("pipeline:", figures, flush=True)
    rows = asyncio.run(burst.run())
    write_section("burst", burst.report(rows))
    for row in rows:
        print("burst:", row, flush=True)
    exports = asyncio.run(export.run())
    write_section("export", export.report(exports))
    for row in exports:
        print("export:", row, flush=True)
    drawing = sketch.measure()
    write_section("sketch", sketch.report(drawing))
    print("sketch:", sketch.brief(drawing), flush=True)
    # Last, so that its JSON summary is the last line `make bench` prints.
    live = asyncio.run(votes.run())
    write_section("votes", votes.report(live))
    print("votes:", {k: v for k, v in live.items() if k != "server_log_tail"}, flush=True)
    print(votes.summary_json(live), flush=True)


if __name__ == "__main__":
    main()
