"""Nicknames: refusing offensive ones and suggesting friendly random ones."""

from __future__ import annotations

from functools import cache


@cache
def _filter():  # type: ignore[no-untyped-def]
    from better_profanity import Profanity

    words = Profanity()
    words.load_censor_words()
    return words


def is_offensive(text: str) -> bool:
    """Whether the text contains a word of the profanity list (also in leetspeak spellings)."""
    return bool(_filter().contains_profanity(text))


def random_nickname() -> str:
    """Two capitalised words such as "Vivid Mackerel", never offensive, at most 32 characters."""
    from coolname import generate

    for _ in range(20):
        name = " ".join(word.capitalize() for word in generate(2))
        if len(name) <= 32 and not is_offensive(name):
            return name
    return "Curious Painter"
