"""The compiled check that accepts payloads agrees with jsonschema, the reference, on every
request definition: nothing jsonschema refuses gets through."""

from __future__ import annotations

import random

import fastjsonschema
import pytest

from pixelpatchwork.protocol import PROTOCOL, _fast_check, _validator, event_payload_definition, validate
from pixelpatchwork.domain.errors import DomainError
from tests.integration.test_socket_fuzz import random_value

REQUESTS = sorted({*PROTOCOL["rest"], *(event_payload_definition(e) for e in PROTOCOL["client_events"])})
VALID = [
    ("VoteRequest", {"image_id": 5, "value": "up"}),
    ("VoteRequest", {"image_id": 5, "value": "none", "room": "main"}),
    ("JoinRequest", {"room": "main", "nickname": "Ada"}),
    ("PhaseRequest", {"from": "generate", "to": "vote", "duration_s": 60}),
    ("ExtendRequest", {"seconds": 30}),
]
NEAR_MISSES = [
    ("VoteRequest", {"image_id": 5, "value": "sideways"}),
    ("VoteRequest", {"image_id": True, "value": "up"}),
    ("VoteRequest", {"image_id": 0, "value": "up"}),
    ("VoteRequest", {"image_id": 2**53, "value": "up"}),
    ("VoteRequest", {"image_id": 5, "value": "up", "extra": 1}),
    ("VoteRequest", {"image_id": 5, "value": "up", "room": "Main Room!"}),
    ("JoinRequest", {"room": "main", "nickname": "x" * 201}),
    ("JoinRequest", {"room": "main", "nickname": "Ada", "participant_ref": "has space"}),
    ("PhaseRequest", {"from": "generate", "to": "vote", "duration_s": 0}),
    ("ExtendRequest", {"seconds": 1.5}),
]


def verdicts(definition: str, payload: object) -> tuple[bool, bool]:
    try:
        _fast_check(definition)(payload)
        fast = True
    except fastjsonschema.JsonSchemaException:
        fast = False
    return fast, _validator(definition).is_valid(payload)


@pytest.mark.parametrize(("definition", "payload"), VALID + NEAR_MISSES)
def test_known_cases(definition: str, payload: object) -> None:
    fast, reference = verdicts(definition, payload)
    assert fast == reference
    assert reference == ((definition, payload) in VALID)


@pytest.mark.parametrize("definition", REQUESTS)
def test_random_payloads(definition: str) -> None:
    rng = random.Random(definition)
    for _ in range(300):
        payload = random_value(rng)
        fast, reference = verdicts(definition, payload)
        assert not fast or reference, f"{definition}: the fast check accepted what jsonschema refuses: {payload!r}"[:300]


def test_refusals_keep_jsonschemas_words() -> None:
    with pytest.raises(DomainError) as caught:
        validate("VoteRequest", {"image_id": "one", "value": "up"})
    assert caught.value.status == 400 and caught.value.message == "image_id: 'one' is not of type 'integer'"
