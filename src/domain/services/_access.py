"""Who may read an attachment: its uploaders, and whoever sees a message that shows it."""

from __future__ import annotations

from ..identity import CallerIdentity
from ..policy import can_see_ticket
from ..ports import Repositories
from ..project import ProjectSettings


def attachment_readable(repos: Repositories, who: CallerIdentity, sha256: str,
                        settings: ProjectSettings) -> bool:
    """Uploaders read their own uploads; others need a visible message that shows it."""
    if repos.attachments.get(sha256) is None:
        return False
    if repos.attachments.is_uploader(sha256, who.user_id):
        return True
    tickets = repos.attachments.referencing_tickets(sha256, include_internal=who.role.is_staff)
    return any(can_see_ticket(who, t.requester_id, settings) for t in tickets)
