"""The meetings blueprint, shared by its view modules; loading a meeting; print watermarks."""

from __future__ import annotations

import uuid

from flask import Blueprint
from flask_login import current_user

from emarac.clock import utcnow
from emarac.meetings.models import Meeting
from emarac.protocol import policy
from emarac.protocol.guard import get_or_404

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


def meeting_or_404(meeting_id: uuid.UUID) -> Meeting:
    return get_or_404(Meeting, meeting_id, may=policy.may_see_meeting)


def watermark() -> str:
    """Who printed it and when, repeated across printed pages."""
    return f"{current_user.full_name} · {current_user.agency.name} · {utcnow():%-d %b %Y %H:%M} UTC"
