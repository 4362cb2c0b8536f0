"""Process-level tuning for the serving processes (not applied in tests or imports).

A server holding a thousand Socket.IO connections has hundreds of thousands of long-lived
objects; with CPython's default thresholds the collector walks all of them every few
seconds, a pause of 200 ms or more that every screen sees as a late tally. The objects that
exist once the app is built are frozen out of collection, and collections run after 50,000
allocations instead of 700, so full collections become rare.
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 50_000


def tune_gc() -> None:
    gc.collect()
    gc.freeze()
    _gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
