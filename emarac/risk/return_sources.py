"""The referral-source categories of the MARAC data return, and which agency kind feeds each.

Partners report where referrals came from in finer categories than the kinds
of agency eMARAC keeps. Each area says which category each kind of agency
counts under (a health trust's referrals might be "mental health" in one area
and "health" in another); ``DEFAULT_SOURCE`` is the mapping an area starts
with. Plain constants, so the settings page and the indicators share them.
"""

from __future__ import annotations

from emarac.agencies.models import AgencyKind

# (code, label) in the return's order.
RETURN_SOURCES: tuple[tuple[str, str], ...] = (
    ("police", "Police"),
    ("idva", "IDVA"),
    ("health", "Health"),
    ("childrens_social_care", "Children's social care"),
    ("adult_social_care", "Adult social care"),
    ("housing", "Housing"),
    ("probation", "Probation"),
    ("education", "Education"),
    ("substance_misuse", "Substance misuse"),
    ("mental_health", "Mental health"),
    ("specialist_da", "Specialist domestic abuse services"),
    ("other", "Other"),
)
SOURCE_CODES = tuple(code for code, _ in RETURN_SOURCES)
SOURCE_LABELS = dict(RETURN_SOURCES)
OTHER = "other"

DEFAULT_SOURCE: dict[str, str] = {
    AgencyKind.POLICE.value: "police",
    AgencyKind.IDVA_SERVICE.value: "idva",
    AgencyKind.HEALTH.value: "health",
    AgencyKind.CHILDRENS_SOCIAL_CARE.value: "childrens_social_care",
    AgencyKind.ADULT_SOCIAL_CARE.value: "adult_social_care",
    AgencyKind.HOUSING.value: "housing",
    AgencyKind.PROBATION.value: "probation",
    AgencyKind.EDUCATION.value: "education",
    AgencyKind.REFUGE.value: "specialist_da",
    AgencyKind.SPECIALIST_CHARITY.value: "specialist_da",
    AgencyKind.VICTIM_SUPPORT.value: OTHER,
    AgencyKind.YOUTH_OFFENDING.value: OTHER,
    AgencyKind.FIRE_AND_RESCUE.value: OTHER,
    AgencyKind.OTHER.value: OTHER,
}
