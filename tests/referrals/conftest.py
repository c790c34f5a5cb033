"""Fixtures shared by the referral tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def area(make, clock):
    """One MARAC area: an owning police agency, its IDVA service, a coordinator, others."""
    owner_agency = make.agency(name="Area Police (test)", area="Testshire MARAC")
    idva = make.agency(name="Area IDVA (test)", kind="idva_service", area="Testshire MARAC")
    coordinator = make.user(
        agency=make.agency(name="Area CSP (test)", kind="other", area="Testshire MARAC"),
        roles=("coordinator",),
    )
    return {
        "owner": make.user(agency=owner_agency),
        "owner_colleague": make.user(agency=owner_agency),
        "idva": make.user(agency=idva, roles=("idva",)),
        "coordinator": coordinator,
        "other_area": make.user(agency=make.agency(area="Elsewhere MARAC")),
        "same_area_stranger": make.user(agency=make.agency(kind="housing", area="Testshire MARAC")),
        "manager": make.user(agency=owner_agency, roles=("manager",)),
    }
