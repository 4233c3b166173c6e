"""Magic-link rules and sign-in codes, without any storage."""

from __future__ import annotations

import hashlib
from dataclasses import astuple
from datetime import UTC, datetime, timedelta

import pytest

from hero_assistance.domain.errors import InvalidInput, LinkRejected
from hero_assistance.domain.identity import shown_label
from hero_assistance.domain.magic_links import (
    CODE_ALPHABET,
    CODE_LENGTH,
    LINK_LIFETIME,
    MAX_CODE_ATTEMPTS,
    TOKEN_BYTES,
    MagicLink,
    format_code,
    hash_secret,
    new_link,
    normalize_code,
)
from hero_assistance.domain.sign_in_mail import compose_sign_in_mail

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TOKEN = "Zt0k3n-secret-value-for-tests-only"  # noqa: S105 - a made-up test secret
CODE = "ABCD2345"


def fresh(**kw: object) -> MagicLink:
    return new_link(link_id=1, user_id=7, device_addr="400::7", device_label="laptop",
                    token=TOKEN, code=CODE, now=T0, **kw)  # type: ignore[arg-type]


def test_lifetime_and_secret_sizes_follow_the_design() -> None:
    assert timedelta(minutes=15) == LINK_LIFETIME
    assert TOKEN_BYTES * 8 >= 128
    assert len(CODE_ALPHABET) ** CODE_LENGTH >= 2**40
    assert not set("01OI") & set(CODE_ALPHABET)


def test_a_new_link_keeps_only_hashes_of_its_secrets() -> None:
    link = fresh()
    assert link.token_hash == hashlib.sha256(TOKEN.encode()).hexdigest()
    assert link.code_hash == hash_secret(CODE)
    stored = repr(astuple(link))
    assert TOKEN not in stored
    assert CODE not in stored
    assert link.expires_at == T0 + LINK_LIFETIME
    assert link.attempts == 0
    assert link.is_pending(T0)


def test_a_custom_lifetime_is_honoured() -> None:
    link = fresh(lifetime=timedelta(minutes=2))
    assert link.is_pending(T0 + timedelta(seconds=119))
    assert not link.is_pending(T0 + timedelta(minutes=2))


def test_a_link_expires_at_its_deadline_not_a_moment_later() -> None:
    link = fresh()
    assert link.refusal(T0 + LINK_LIFETIME - timedelta(microseconds=1)) is None
    assert link.refusal(T0 + LINK_LIFETIME) == "it has expired; ask for a new one"
    with pytest.raises(LinkRejected, match="expired") as refused:
        link.ensure_usable(T0 + LINK_LIFETIME)
    assert refused.value.reason == "it has expired; ask for a new one"


def test_a_consumed_link_is_refused_as_used() -> None:
    link = fresh().consumed(T0 + timedelta(minutes=1))
    assert link.consumed_at == T0 + timedelta(minutes=1)
    with pytest.raises(LinkRejected, match="already been used"):
        link.ensure_usable(T0 + timedelta(minutes=2))


def test_a_withdrawn_link_is_refused_as_withdrawn() -> None:
    link = fresh().withdrawn()
    assert link.revoked
    with pytest.raises(LinkRejected, match="withdrawn"):
        link.ensure_usable(T0)


def test_wrong_codes_lock_the_link_after_the_maximum() -> None:
    link = fresh()
    for n in range(1, MAX_CODE_ATTEMPTS):
        link = link.with_wrong_attempt()
        assert link.attempts == n
        assert link.is_pending(T0)
    link = link.with_wrong_attempt()
    assert link.refusal(T0) == "too many wrong codes; ask for a new one"
    assert link.matches_code(CODE)  # the code still matches, but the link is dead


def test_used_is_reported_before_any_other_reason() -> None:
    link = fresh().withdrawn().consumed(T0)
    assert link.refusal(T0 + timedelta(days=1)) == "it has already been used"


def test_matches_code_compares_the_normalised_code() -> None:
    link = fresh()
    assert link.matches_code(CODE)
    assert not link.matches_code("ABCD2346")
    assert link.matches_code(normalize_code("abcd-2345"))


@pytest.mark.parametrize("typed", ["ABCD2345", "abcd2345", "ABCD-2345", " abcd 2345 ",
                                   "a-b-c-d-2-3-4-5"])
def test_codes_are_accepted_as_people_type_them(typed: str) -> None:
    assert normalize_code(typed) == "ABCD2345"


@pytest.mark.parametrize(("typed", "problem"), [
    ("", "must not be empty"),
    (" - ", "must not be empty"),
    ("ABCD234", "8 letters"),
    ("ABCD23456", "8 letters"),
    ("ABCD2340", "8 letters"),  # 0 is not in the alphabet
    ("ABCDO234", "8 letters"),  # neither is O
    ("ABCD1234", "8 letters"),
    ("ABCDI234", "8 letters"),
    ("ABCD_234", "8 letters"),
])
def test_malformed_codes_are_invalid_input_on_the_code_field(typed: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalize_code(typed)
    assert refused.value.field == "code"
    assert problem in refused.value.problem


def test_format_code_prints_two_groups_of_four_that_normalise_back() -> None:
    assert format_code("ABCD2345") == "ABCD-2345"
    assert normalize_code(format_code("WXYZ6789")) == "WXYZ6789"


def test_sign_in_mail_says_the_same_in_text_and_html_and_escapes_html() -> None:
    mail = compose_sign_in_mail(
        to="eve@acme.example", project_name="Acme <R&D>",
        link_url="http://[400::1]/auth/link/abc?x=1&y=2", code="ABCD2345",
        device_label='<script>alert("x")</script>', device_addr="400:1::2", minutes=15,
    )
    assert mail.to == "eve@acme.example"
    assert mail.subject == "Sign in to Acme <R&D> support"
    for part in (mail.text, mail.html):
        assert "ABCD-2345" in part
        assert "15 minutes" in part
    assert "http://[400::1]/auth/link/abc?x=1&y=2" in mail.text
    assert 'href="http://[400::1]/auth/link/abc?x=1&amp;y=2"' in mail.html
    assert "<script>" not in mail.html
    assert "&lt;script&gt;" in mail.html
    assert "Acme &lt;R&amp;D&gt;" in mail.html


def test_the_requesters_label_is_quoted_as_its_own_words_next_to_its_address() -> None:
    # A label is whatever the unbound device typed: it must read as its claim, must not
    # reorder the text around it (bidi overrides) nor run on without end.
    label = "IT department \u202eecivreS\u202c" + "!" * 200
    mail = compose_sign_in_mail(
        to="eve@acme.example", project_name="Acme", link_url="http://[400::1]/auth/link/t",
        code="ABCD2345", device_label=label, device_addr="400:1::2", minutes=15,
    )
    for part in (mail.text, mail.html):
        assert "400:1::2" in part
        assert "\u202e" not in part
        assert "\u202c" not in part
        assert "!" * 60 not in part
        assert "its own words" in part
    assert "The device that asked has the address 400:1::2" in mail.text
    assert "calls itself \u201cIT department ecivreS" in mail.text
    assert "\u2026\u201d" in mail.text  # cut with an ellipsis, inside the quotes


@pytest.mark.parametrize(("raw", "shown"), [
    ("laptop", "laptop"),
    ("  two   spaces\tand\ttabs ", "two spaces and tabs"),
    ("line\u2028break\u2029para", "line break para"),
    ("bell\x07 esc\x1b[2J c1\x9b", "bell esc[2J c1"),
    ("rlo\u202eolr iso\u2066x\u2069 bom\ufeff", "rloolr isox bom"),
    ("\U0001f469\u200d\U0001f4bb desk", "\U0001f469\u200d\U0001f4bb desk"),
    ("\u202e\u202c", "(no name)"),
])
def test_shown_labels_lose_controls_and_formatting_but_keep_joiners(raw: str,
                                                                    shown: str) -> None:
    assert shown_label(raw) == shown


def test_shown_labels_are_cut_to_their_length_with_an_ellipsis() -> None:
    assert shown_label("x" * 61) == "x" * 59 + "\u2026"
    assert shown_label("x" * 60) == "x" * 60
    assert len(shown_label("word " * 40, max_length=20)) <= 20
