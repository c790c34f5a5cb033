"""Fixtures of the IDVA workspace tests: one area with an IDVA service, and a referral."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import pytest
from sqlalchemy import select

from emarac.auditing import ledger_table
from emarac.referrals import services as referrals
from emarac.referrals.models import Consent
from emarac.risk.rules import Criterion
from tests.factories import Cases

AREA = "Idvashire MARAC"


class IdvaArea:
    """Police (who own the case), the IDVA service, a partnership, and an agency elsewhere.

    People are made on first use: each account costs a password hash.
    """

    def __init__(self, db: Any, make: Any) -> None:
        self.db, self.make = db, make
        self.police = make.agency(name="Idva Police (test)", area=AREA)
        self.service = make.agency(name="Idva Service (test)", kind="idva_service", area=AREA)
        self.csp = make.agency(name="Idva CSP (test)", kind="other", area=AREA)
        self.health = make.agency(name="Idva Health (test)", kind="health", area=AREA)

    def user(self, agency: Any, *roles: str) -> Any:
        return self.make.user(agency=agency, roles=roles or ("practitioner",))

    @cached_property
    def officer(self) -> Any:
        return self.user(self.police)

    @cached_property
    def idva(self) -> Any:
        return self.user(self.service, "idva")

    @cached_property
    def other_idva(self) -> Any:
        return self.user(self.service, "idva")

    @cached_property
    def coordinator(self) -> Any:
        return self.user(self.csp, "coordinator")

    @cached_property
    def chair(self) -> Any:
        return self.user(self.csp, "chair")

    @cached_property
    def nurse(self) -> Any:
        return self.user(self.health)

    def refer(self, *, to_idva: bool = True, **victim: Any) -> Any:
        """A case opened by the police officer and referred to MARAC (and the IDVA service)."""
        case = Cases(self.db, self.make).open(by=self.officer, **victim)
        referral = referrals.refer_case(
            case,
            by=self.officer,
            data=referrals.ReferralInput(
                criteria={Criterion.PROFESSIONAL_JUDGEMENT},
                consent=Consent.GIVEN,
                risks="Synthetic risks",
                safety_measures="",
                judgement_reason="Synthetic judgement",
                refer_to_idva=to_idva,
            ),
        )
        case.referral = referral
        return case


@pytest.fixture
def area(db, make, clock) -> IdvaArea:
    """One area with an IDVA service; the clock is fixed at 2 November 2026, 09:00 UTC."""
    return IdvaArea(db, make)


def ledger(db: Any) -> list[tuple[str, str | None]]:
    """Every (action, object id) in the ledger, oldest first."""
    rows = db.session.execute(
        select(ledger_table.c.action, ledger_table.c.object_id).order_by(ledger_table.c.seq)
    )
    return [(action, object_id) for action, object_id in rows]
