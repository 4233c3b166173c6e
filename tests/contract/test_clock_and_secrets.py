"""Clock and Secrets contracts: the system adapters and their test doubles."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime, timedelta

import pytest

from hero_assistance.adapters.memory import CountingSecrets, ManualClock
from hero_assistance.adapters.system import SystemClock, SystemSecrets
from hero_assistance.domain.magic_links import CODE_ALPHABET, CODE_LENGTH
from hero_assistance.domain.ports import Clock, Secrets

pytestmark = pytest.mark.anyio

URL_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")
MIN_TOKEN_CHARS = 22  # 128 bits in URL-safe base64


@pytest.fixture(params=["system", "manual"])
def clock(request: pytest.FixtureRequest) -> Clock:
    """Each clock adapter in turn."""
    return SystemClock() if request.param == "system" else ManualClock()


@pytest.fixture(params=["system", "counting"])
def secrets(request: pytest.FixtureRequest) -> Secrets:
    """Each secrets adapter in turn."""
    return SystemSecrets() if request.param == "system" else CountingSecrets()


def test_now_is_timezone_aware_utc(clock: Clock) -> None:
    now = clock.now()

    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert now - datetime(2020, 1, 1, tzinfo=UTC) > timedelta(0)


def test_now_never_goes_back(clock: Clock) -> None:
    readings = [clock.now() for _ in range(1000)]

    assert readings == sorted(readings)


def test_the_system_clock_tells_the_current_time() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    after = datetime.now(UTC)

    assert before <= now <= after


def test_a_manual_clock_moves_exactly_as_far_as_told() -> None:
    clock = ManualClock(datetime(2026, 5, 1, 12, 0, 0, 500, tzinfo=UTC))

    clock.advance(timedelta(minutes=15, microseconds=1))

    assert clock.now() == datetime(2026, 5, 1, 12, 15, 0, 501, tzinfo=UTC)
    assert clock.now() == clock.now()


def test_a_manual_clock_refuses_to_go_back() -> None:
    clock = ManualClock()
    start = clock.now()

    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(microseconds=-1))

    assert clock.now() == start


def test_tokens_are_url_safe_and_long_enough(secrets: Secrets) -> None:
    for _ in range(50):
        token = secrets.token()
        assert URL_SAFE.match(token), token
        assert len(token) >= MIN_TOKEN_CHARS


def test_tokens_do_not_repeat(secrets: Secrets) -> None:
    tokens = [secrets.token() for _ in range(500)]

    assert len(set(tokens)) == len(tokens)


@pytest.mark.parametrize(
    ("alphabet", "length"),
    [(CODE_ALPHABET, CODE_LENGTH), ("01", 16), (string.ascii_uppercase, 3), ("XY", 1)],
)
def test_codes_use_only_the_alphabet_at_the_asked_length(
    secrets: Secrets, alphabet: str, length: int
) -> None:
    for _ in range(50):
        code = secrets.code(alphabet, length)
        assert len(code) == length
        assert set(code) <= set(alphabet), code


def test_sign_in_codes_do_not_repeat(secrets: Secrets) -> None:
    codes = [secrets.code(CODE_ALPHABET, CODE_LENGTH) for _ in range(500)]

    assert len(set(codes)) == len(codes)


def test_tokens_and_codes_do_not_repeat_when_interleaved(secrets: Secrets) -> None:
    pairs = [(secrets.token(), secrets.code(CODE_ALPHABET, CODE_LENGTH)) for _ in range(200)]

    assert len({token for token, _ in pairs}) == 200
    assert len({code for _, code in pairs}) == 200


def test_system_codes_use_the_whole_alphabet() -> None:
    drawn = "".join(SystemSecrets().code(CODE_ALPHABET, CODE_LENGTH) for _ in range(200))

    assert set(drawn) == set(CODE_ALPHABET)  # 1600 draws from 32 symbols: all appear
