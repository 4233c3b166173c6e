"""The Support tab: a web UI over the client library, served on localhost.

``hero-assistance-client ui`` (:func:`run_ui`) serves a page, ``embed.js`` and the
``<hero-support-tab>`` custom element from the package's ``static/`` files, and
bridges the browser to the client service's JSON-RPC registry (POST and WebSocket
``/rpc``) and to attachments. See ``docs/embedding.md``.

This package imports only what the command line needs; the web stack lives in
:mod:`.app` (:func:`~.app.build_ui_app`) and :mod:`.runner` (:func:`~.runner.serve_ui`)
and is loaded when the tab is served.
"""

from .command import add_ui_command, run_ui, ui_settings
from .settings import DEFAULT_PORT, UiConfigError, UiSettings, loopback_host, web_origin

__all__ = [
    "DEFAULT_PORT",
    "UiConfigError",
    "UiSettings",
    "add_ui_command",
    "loopback_host",
    "run_ui",
    "ui_settings",
    "web_origin",
]
