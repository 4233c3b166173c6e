"""The clean_* / parse_* validators and the ticket status machine, as pure functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from hero_assistance.domain.errors import IllegalTransition, InvalidInput, TooLarge
from hero_assistance.domain.identity import (
    MAX_DEVICE_LABEL_LENGTH,
    MAX_DISPLAY_NAME_LENGTH,
    MAX_EMAIL_LENGTH,
    Role,
    clean_device_label,
    clean_display_name,
    normalize_email,
    parse_role,
)
from hero_assistance.domain.listing import (
    MAX_PAGE_SIZE,
    MAX_SEARCH_TERMS,
    Cursor,
    TicketOrder,
    cursor_after,
    from_timestamp_key,
    page_size,
    search_terms,
    timestamp_key,
)
from hero_assistance.domain.messages import (
    MAX_ATTACHMENTS_PER_MESSAGE,
    Message,
    Visibility,
    clean_attachment_refs,
    ensure_parent_fits,
    parse_visibility,
)
from hero_assistance.domain.presence import PresenceState, parse_presence_state
from hero_assistance.domain.tickets import (
    ALLOWED_MOVES,
    MAX_BODY_LENGTH,
    MAX_SUBJECT_LENGTH,
    MAX_TAGS,
    Priority,
    Ticket,
    TicketStatus,
    clean_body,
    clean_subject,
    clean_tags,
    describe,
    ensure_move,
    is_reopen,
    parse_priority,
    parse_status,
)

S = TicketStatus


def refused_field(call: object, *args: object, **kw: object) -> InvalidInput:
    assert callable(call)
    with pytest.raises(InvalidInput) as refused:
        call(*args, **kw)
    return refused.value


# -- emails, names, labels ----------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    ("alice@acme.example", "alice@acme.example"),
    ("  Alice@ACME.Example ", "alice@acme.example"),
    ("o'brien+support@sub.acme.example", "o'brien+support@sub.acme.example"),
])
def test_emails_are_trimmed_and_lower_cased(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(("raw", "problem"), [
    ("", "must not be empty"),
    ("   ", "must not be empty"),
    ("alice", "is not an email address"),
    ("alice@acme", "is not an email address"),
    ("al ice@acme.example", "is not an email address"),
    ("alice@@acme.example", "is not an email address"),
    ("a" * MAX_EMAIL_LENGTH + "@acme.example", f"at most {MAX_EMAIL_LENGTH}"),
])
def test_bad_emails_name_the_email_field(raw: str, problem: str) -> None:
    error = refused_field(normalize_email, raw)
    assert error.field == "email"
    assert problem in error.problem


def test_display_names_collapse_whitespace_and_refuse_junk() -> None:
    assert clean_display_name("  Ada \t  Lovelace ") == "Ada Lovelace"
    assert clean_display_name("x" * MAX_DISPLAY_NAME_LENGTH) == "x" * MAX_DISPLAY_NAME_LENGTH
    for raw, problem in [("", "empty"), (" \n ", "empty"),
                         ("x" * (MAX_DISPLAY_NAME_LENGTH + 1), "at most"),
                         ("Ada\x00", "control"), ("Ada\x1b[31m", "control"),
                         ("Ada\x7f", "control")]:
        error = refused_field(clean_display_name, raw)
        assert error.field == "display_name"
        assert problem in error.problem


def test_device_labels_have_their_own_field_and_cap() -> None:
    assert clean_device_label(" work  laptop ") == "work laptop"
    error = refused_field(clean_device_label, "x" * (MAX_DEVICE_LABEL_LENGTH + 1))
    assert error.field == "device_label"


def test_roles_parse_and_unknown_roles_list_the_valid_ones() -> None:
    assert parse_role("agent") is Role.AGENT
    assert Role.AGENT.is_staff
    assert Role.ADMIN.is_staff
    assert not Role.CUSTOMER.is_staff
    error = refused_field(parse_role, "root")
    assert error.field == "role"
    assert "customer, agent, admin" in error.problem


# -- tickets -----------------------------------------------------------------------------


def test_subjects_are_one_trimmed_line() -> None:
    assert clean_subject("  Printer\n  on\tfire  ") == "Printer on fire"
    assert len(clean_subject("x" * MAX_SUBJECT_LENGTH)) == MAX_SUBJECT_LENGTH
    for raw, problem in [("", "must not be empty"), ("  \n", "must not be empty"),
                         ("x" * (MAX_SUBJECT_LENGTH + 1), "at most 200")]:
        error = refused_field(clean_subject, raw)
        assert error.field == "subject"
        assert problem in error.problem


def test_subjects_refuse_control_characters() -> None:
    for raw in ("Printer\x00fire", "bell\x07", "escape\x1b[2J"):
        error = refused_field(clean_subject, raw)
        assert error.field == "subject"
        assert "control" in error.problem


def test_bodies_are_trimmed_capped_in_bytes_and_refuse_nul() -> None:
    assert clean_body("  hello \n\n") == "hello"
    assert clean_body("") == ""
    assert clean_body("x" * MAX_BODY_LENGTH) == "x" * MAX_BODY_LENGTH
    with pytest.raises(TooLarge) as too_large:
        clean_body("é" * (MAX_BODY_LENGTH // 2 + 1))  # 2 bytes each in UTF-8
    assert too_large.value.field == "body"
    assert "64 KiB" in too_large.value.problem
    assert refused_field(clean_body, "a\x00b").field == "body"
    empty = refused_field(clean_body, "  ", "text", required=True)
    assert empty.field == "text"
    assert "must not be empty" in empty.problem


def test_tags_are_lower_cased_deduplicated_and_sorted() -> None:
    assert clean_tags([" Billing", "vpn", "billing", "v2.1_beta-x"]) == (
        "billing", "v2.1_beta-x", "vpn")
    assert clean_tags([]) == ()
    assert len(clean_tags([f"t{i}" for i in range(MAX_TAGS)] * 2)) == MAX_TAGS


@pytest.mark.parametrize(("tags", "problem"), [
    ([""], "must not be empty"),
    (["  "], "must not be empty"),
    (["two words"], "is not a tag"),
    (["-leading"], "is not a tag"),
    (["ünïcode"], "is not a tag"),
    (["x" * 41], "is not a tag"),
    ([f"t{i}" for i in range(MAX_TAGS + 1)], f"at most {MAX_TAGS} tags"),
])
def test_bad_tags_name_the_tags_field(tags: list[str], problem: str) -> None:
    error = refused_field(clean_tags, tags)
    assert error.field == "tags"
    assert problem in error.problem


def test_status_and_priority_names_parse_with_helpful_errors() -> None:
    assert parse_status("pending") is S.PENDING
    assert parse_priority("urgent") is Priority.URGENT
    status = refused_field(parse_status, "done")
    assert (status.field, "new, open, pending, resolved, closed" in status.problem) == (
        "status", True)
    priority = refused_field(parse_priority, "p1")
    assert priority.field == "priority"
    assert "low, normal, high, urgent" in priority.problem


ALLOWED = {
    (S.NEW, S.OPEN), (S.NEW, S.PENDING), (S.NEW, S.RESOLVED), (S.NEW, S.CLOSED),
    (S.OPEN, S.PENDING), (S.OPEN, S.RESOLVED), (S.OPEN, S.CLOSED),
    (S.PENDING, S.OPEN), (S.PENDING, S.RESOLVED), (S.PENDING, S.CLOSED),
    (S.RESOLVED, S.OPEN), (S.RESOLVED, S.CLOSED),
    (S.CLOSED, S.OPEN),
}
EVERY_MOVE = [(a, b) for a in S for b in S if a is not b]


def test_the_move_table_is_exactly_the_designed_machine() -> None:
    table = {(a, b) for a, targets in ALLOWED_MOVES.items() for b in targets}
    assert table == ALLOWED
    assert all(S.NEW not in targets for targets in ALLOWED_MOVES.values())


@pytest.mark.parametrize(("current", "target"), EVERY_MOVE)
def test_ensure_move_allows_the_machine_and_refuses_the_rest(
    current: TicketStatus, target: TicketStatus
) -> None:
    if (current, target) in ALLOWED:
        ensure_move(current, target)
        return
    with pytest.raises(IllegalTransition) as refused:
        ensure_move(current, target)
    allowed = ", ".join(sorted(s.value for s in ALLOWED_MOVES[current]))
    assert refused.value.message == (
        f"a {current.value} ticket cannot become {target.value} (allowed: {allowed})"
    )


def test_reopen_is_only_resolved_or_closed_to_open() -> None:
    reopens = {(a, b) for a in S for b in S if is_reopen(a, b)}
    assert reopens == {(S.RESOLVED, S.OPEN), (S.CLOSED, S.OPEN)}


def test_history_text_of_values() -> None:
    assert describe(None) is None
    assert describe(S.OPEN) == "open"
    assert describe(("a", "b")) == "a,b"
    assert describe(()) == ""
    assert describe(42) == "42"


# -- messages ----------------------------------------------------------------------------

SHA = "ab" * 32


def test_attachment_refs_are_sha256_hex_lower_cased_and_deduplicated() -> None:
    assert clean_attachment_refs([SHA.upper(), f" {SHA} ", "cd" * 32]) == (SHA, "cd" * 32)
    for bad in ("ab" * 31, "zz" * 32, "ab" * 33, ""):
        assert refused_field(clean_attachment_refs, [bad]).field == "attachments"
    many = [f"{i:064x}" for i in range(MAX_ATTACHMENTS_PER_MESSAGE + 1)]
    error = refused_field(clean_attachment_refs, many)
    assert f"at most {MAX_ATTACHMENTS_PER_MESSAGE}" in error.problem


def _message(ticket_id: int, visibility: Visibility) -> Message:
    return Message(id=1, ticket_id=ticket_id, parent_id=None, author_id=1, body="x",
                   visibility=visibility, attachments=(),
                   created_at=datetime(2026, 1, 1, tzinfo=UTC))


def test_replies_stay_on_the_ticket_and_never_go_public_under_a_note() -> None:
    ensure_parent_fits(_message(5, Visibility.PUBLIC), 5, Visibility.PUBLIC)
    ensure_parent_fits(_message(5, Visibility.PUBLIC), 5, Visibility.INTERNAL)
    ensure_parent_fits(_message(5, Visibility.INTERNAL), 5, Visibility.INTERNAL)
    other = refused_field(ensure_parent_fits, _message(6, Visibility.PUBLIC), 5,
                          Visibility.PUBLIC)
    assert (other.field, other.problem) == ("parent_id", "belongs to another ticket")
    under_note = refused_field(ensure_parent_fits, _message(5, Visibility.INTERNAL), 5,
                               Visibility.PUBLIC)
    assert under_note.field == "parent_id"
    assert "internal note" in under_note.problem


def test_visibility_and_presence_state_parse() -> None:
    assert parse_visibility("internal") is Visibility.INTERNAL
    assert refused_field(parse_visibility, "secret").field == "visibility"
    assert parse_presence_state("away") is PresenceState.AWAY
    assert refused_field(parse_presence_state, "busy").field == "state"


# -- listing -----------------------------------------------------------------------------


def test_page_sizes() -> None:
    assert page_size(None) == 50
    assert page_size(1) == 1
    assert page_size(MAX_PAGE_SIZE) == MAX_PAGE_SIZE
    for bad in (0, -1, MAX_PAGE_SIZE + 1):
        assert refused_field(page_size, bad).field == "limit"


def test_cursors_round_trip() -> None:
    for cursor in (Cursor(1_767_258_000_000_000, 12), Cursor(-5, 3), Cursor(0, 0)):
        assert Cursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize("raw", [
    "", "12", "a.b", "1.", ".1", "1.2.3", "1.-2", "--5.1", "-.1", "1 .2", "².1", "1.²",
    "١٢.٣", "9" * 20 + ".1", f"{2**63}.1", f"1.{2**63}",
])
def test_cursors_not_handed_out_by_the_server_are_invalid_input(raw: str) -> None:
    assert refused_field(Cursor.decode, raw).field == "cursor"


def test_cursor_keys_follow_the_order() -> None:
    moment = datetime(2026, 1, 1, 9, 0, 0, 123456, tzinfo=UTC)
    ticket = Ticket(id=7, subject="s", body="", status=TicketStatus.NEW,
                    priority=Priority.HIGH, tags=(), requester_id=1, assignee_id=None,
                    created_at=moment, updated_at=moment)
    assert cursor_after(ticket, TicketOrder.UPDATED) == Cursor(timestamp_key(moment), 7)
    assert cursor_after(ticket, TicketOrder.NEWEST) == Cursor(7, 7)
    # Most urgent first: the rank dominates any update time, which breaks ties.
    assert cursor_after(ticket, TicketOrder.PRIORITY) == Cursor(
        2 * 2**53 + timestamp_key(moment), 7)
    urgent_but_old = replace(ticket, priority=Priority.URGENT, updated_at=moment.replace(year=2020))
    assert cursor_after(urgent_but_old, TicketOrder.PRIORITY).key > cursor_after(
        ticket, TicketOrder.PRIORITY).key
    assert from_timestamp_key(timestamp_key(moment)) == moment
    later = moment + timedelta(microseconds=1)
    assert timestamp_key(later) == timestamp_key(moment) + 1


def test_search_terms_are_lower_cased_unique_words_without_syntax() -> None:
    assert search_terms('Printer "ON" fire* OR printer -NEAR(x)') == (
        "printer", "on", "fire", "or", "near", "x")
    assert search_terms("  ...  ") == ()
    # Words split where the index splits them: an underscore is not part of a word.
    assert search_terms("ERR_CONN_RESET __init__") == ("err", "conn", "reset", "init")
    words = " ".join(f"w{i}" for i in range(MAX_SEARCH_TERMS))
    assert len(search_terms(words)) == MAX_SEARCH_TERMS
    assert refused_field(search_terms, words + " extra").field == "query"
