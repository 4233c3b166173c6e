"""The Support tab's settings: loopback only, origins spelled exactly."""

from __future__ import annotations

import argparse

import pytest

from hero_assistance.apps.client.ui import (
    UiConfigError,
    UiSettings,
    add_ui_command,
    loopback_host,
    ui_settings,
    web_origin,
)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.3.4.5", "::1", "[::1]"])
def test_loopback_addresses_are_accepted(host: str) -> None:
    assert loopback_host(host) == host.strip("[]")


@pytest.mark.parametrize("host", ["0.0.0.0", "::",  # noqa: S104 - refused, which is the point "10.0.0.1", "192.168.1.2", "400::1",
                                  "localhost", "example.com", ""])
def test_anything_else_is_refused(host: str) -> None:
    with pytest.raises(UiConfigError):
        loopback_host(host)
    with pytest.raises(UiConfigError):
        UiSettings(host=host)


@pytest.mark.parametrize(("given", "origin"), [
    ("https://App.Example.com", "https://app.example.com"),
    ("https://app.example.com:443/", "https://app.example.com"),
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("http://[::1]:8000", "http://[::1]:8000"),
])
def test_origins_are_normalised(given: str, origin: str) -> None:
    assert web_origin(given) == origin


@pytest.mark.parametrize("given", ["*", "https://*.example.com", "app.example.com",
                                   "ftp://example.com", "https://example.com/app",
                                   "https://example.com?x=1", "null", "https://u@example.com",
                                   "https://example.com:99999"])
def test_what_is_not_an_origin_is_refused(given: str) -> None:
    with pytest.raises(UiConfigError):
        web_origin(given)


def test_the_command_line_takes_origins_repeated_or_in_lists() -> None:
    parser = argparse.ArgumentParser()
    add_ui_command(parser.add_subparsers())
    args = parser.parse_args(["ui", "--port", "0", "--frame-ancestors",
                              "https://a.example, https://b.example",
                              "--frame-ancestors", "https://A.example", "--project", "acme"])
    settings = ui_settings(args)
    assert settings.embed_origins == ("https://a.example", "https://b.example")
    assert settings.project == "acme"
    assert settings.url(8123) == "http://127.0.0.1:8123"
