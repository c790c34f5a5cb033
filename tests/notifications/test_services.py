"""Notices name people on screen; the log that a notice went names nobody."""

from __future__ import annotations

import logging

from sqlalchemy import select

from emarac.agencies.models import Role
from emarac.agencies.services import update_roles
from emarac.notifications.models import Notification


def test_a_role_change_notice_keeps_the_name_out_of_the_log(db, make, caplog):
    caplog.set_level(logging.DEBUG)
    agency = make.agency()
    admin = make.user(agency=agency, roles=("system_admin",))
    make.user(agency=agency, roles=("coordinator",))
    user = make.user(agency=agency)
    user.full_name = "Testname Synthetic-Person"
    db.session.commit()

    update_roles(user, roles={Role.PRACTITIONER, Role.IDVA}, by=admin, reason="cover")
    db.session.commit()

    texts = db.session.scalars(select(Notification.text)).all()
    assert any("Testname Synthetic-Person" in t for t in texts)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "mail notice to user" in logged
    assert "Synthetic-Person" not in logged
    assert "Test User" not in logged
    assert user.agency.name not in logged
