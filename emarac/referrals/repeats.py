"""Repeats: found as incidents are recorded, decided by the area's coordinator.

The system does the "flag and tag" that agencies used to do by hand. When an
incident is a repeat (``rules.is_repeat``, over the victim's history), the case
of the victim's last accepted referral is flagged, open or closed; its owning
agency, its IDVA service and the area's coordinators are told (the notice
names the case reference only); and a "repeat to confirm" item joins the
triage queue. There a coordinator confirms it onto a meeting, which makes an
accepted referral with the repeat criterion, or dismisses it with a reason.
Both decisions are recorded in the ledger.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from emarac.agencies.models import User
from emarac.auditing import record_event
from emarac.cases.models import Case, CaseStatus
from emarac.clock import today, utcnow
from emarac.extensions import db
from emarac.incidents.models import Incident
from emarac.meetings.models import Meeting
from emarac.notifications import services as notify
from emarac.protocol import policy
from emarac.protocol.guard import get_or_404
from emarac.protocol.policy import NotAllowed
from emarac.referrals import history
from emarac.referrals.models import (
    Consent,
    Referral,
    ReferralStatus,
    RepeatReview,
    RepeatStatus,
)
from emarac.referrals.services import Invalid, criteria_for, meeting_for
from emarac.risk import area_settings, rules


def repeat_cases(incident: Incident) -> list[Case]:
    """The cases an incident is a repeat on: those of the victim's last accepted referral.

    Open or closed alike: after MARAC is exactly when repeats happen. Each
    case's area decides the window, with the settings in force on the
    incident's date.
    """
    found = history.victim_referrals(incident.victim_id)
    past = [p for _, p in found]
    abuse = history.abuse_of(incident)
    last = rules.last_accepted(past, on_or_before=abuse.on)
    if last is None:
        return []
    case_ids = {
        referral.case_id
        for referral, p in found
        if p.accepted
        and p.on == last.on
        and rules.same_abuse(abuse.perpetrator, rules.LastReferral(p.on, (p.perpetrators,)))
    }
    cases = db.session.scalars(select(Case).where(Case.id.in_(case_ids)))
    return [
        case
        for case in cases
        if rules.is_repeat(abuse, past, area_settings.in_force(case.area_id, abuse.on))
    ]


def _waiting(case_id: uuid.UUID) -> RepeatReview | None:
    return db.session.scalar(
        select(RepeatReview).where(
            RepeatReview.case_id == case_id, RepeatReview.status == RepeatStatus.TO_CONFIRM
        )
    )


def flag_repeat(incident: Incident, by: User) -> None:
    """Plugged into ``incidents.after_record``: flag, tell, and queue a repeat for triage."""
    for case in repeat_cases(incident):
        case.is_repeat = True
        record_event(
            "case.flag_repeat",
            object_type="marac_case",
            object_id=case.id,
            fields=("is_repeat",),
            purpose=f"incident {incident.id}",
        )
        if _waiting(case.id) is None:
            review = RepeatReview(
                case_id=case.id,
                area_id=case.area_id,
                incident_id=incident.id,
                incident_on=history.abuse_of(incident).on,
            )
            db.session.add(review)
            db.session.flush()
            record_event(
                "repeat.raise",
                object_type="repeat_review",
                object_id=review.id,
                fields=("status",),
                purpose=f"case {case.id}",
            )
        text = f"Repeat incident on {case.reference}: propose re-referral to MARAC"
        notify.to_agency(case.owning_agency_id, case=case, kind="case.repeat", text=text)
        if case.idva_agency_id is not None:
            notify.to_agency(case.idva_agency_id, case=case, kind="case.repeat", text=text)
        notify.to_coordinators(case.area_id, case=case, kind="case.repeat", text=text)


def repeats_to_confirm(coordinator: User) -> list[RepeatReview]:
    """Repeats waiting in the coordinator's area, oldest incident first."""
    if not policy.may_triage(coordinator):
        raise NotAllowed
    return list(
        db.session.scalars(
            select(RepeatReview)
            .where(policy.repeat_review_filter(coordinator))
            .where(RepeatReview.status == RepeatStatus.TO_CONFIRM)
            .options(selectinload(RepeatReview.case))
            .order_by(RepeatReview.incident_on, RepeatReview.created_at)
        )
    )


def _decidable(review: RepeatReview, by: User) -> None:
    if not policy.may_decide_repeat(by, review):
        raise NotAllowed("repeat_review", review.id)
    if review.status != RepeatStatus.TO_CONFIRM:
        raise NotAllowed


def waiting(review_id: uuid.UUID, *, by: User) -> RepeatReview:
    """A repeat still to confirm that ``by`` may decide; otherwise :class:`NotAllowed`."""
    review = get_or_404(RepeatReview, review_id, may=policy.may_decide_repeat, actor=by)
    _decidable(review, by)
    return review


def _last_accepted_referral(case: Case) -> Referral | None:
    return db.session.scalar(
        select(Referral)
        .where(Referral.case_id == case.id, Referral.status == ReferralStatus.ACCEPTED)
        .order_by(Referral.submitted_on.desc(), Referral.created_at.desc())
        .limit(1)
    )


def confirm(
    review: RepeatReview,
    *,
    by: User,
    meeting: Meeting | None = None,
    new_meeting_on: date | None = None,
) -> Referral:
    """Confirm the repeat onto a meeting of the area: an accepted repeat referral; commits.

    The consent position carries over from the case's last accepted referral;
    the referring agency is the case's owner. A closed case is open again.
    """
    _decidable(review, by)
    case = review.case
    automatic = criteria_for(case)
    if rules.Criterion.REPEAT not in automatic:
        raise Invalid(
            "meeting_id", "A later referral already covers this repeat: dismiss it instead"
        )
    meeting = meeting_for(case.area_id, meeting=meeting, new_meeting_on=new_meeting_on)
    earlier = _last_accepted_referral(case)
    referral = Referral(
        case_id=case.id,
        area_id=case.area_id,
        referring_agency_id=case.owning_agency_id,
        referred_by_id=by.id,
        status=ReferralStatus.ACCEPTED,
        submitted_on=today(),
        criteria=sorted(c.value for c in automatic),
        yes_count=earlier.yes_count if earlier else None,
        is_repeat=True,
        consent=earlier.consent if earlier else Consent.NOT_SOUGHT,
        has_idva=case.idva_agency_id is not None,
        meeting_id=meeting.id,
        triaged_by_id=by.id,
        triaged_at=utcnow(),
        is_demo=by.is_demo,
    )
    db.session.add(referral)
    db.session.flush()
    reopened = case.status == CaseStatus.CLOSED
    case.status = CaseStatus.REFERRED
    if reopened:
        case.closed_on = None
        case.review_on = None
    review.status = RepeatStatus.CONFIRMED
    review.referral_id = referral.id
    review.decided_by_id = by.id
    review.decided_at = utcnow()
    record_event(
        "repeat.confirm",
        object_type="repeat_review",
        object_id=review.id,
        fields=("status", "referral_id"),
        purpose=f"case {case.id}",
    )
    record_event(
        "referral.create",
        object_type="referral",
        object_id=referral.id,
        fields=("criteria", "consent", "meeting_id"),
        purpose=f"case {case.id}",
    )
    if reopened:
        record_event(
            "case.reopen",
            object_type="marac_case",
            object_id=case.id,
            fields=("status", "closed_on", "review_on"),
        )
    notify.to_agency(
        case.owning_agency_id,
        case=case,
        kind="repeat.confirmed",
        text=f"Repeat on {case.reference} confirmed onto the MARAC of {meeting.title}",
    )
    db.session.commit()
    return referral


def dismiss(review: RepeatReview, *, by: User, reason: str) -> None:
    """Dismiss the repeat with a reason (kept encrypted); commits. The case keeps its flag."""
    _decidable(review, by)
    if not reason.strip():
        raise Invalid("reason", "Enter why the repeat is being dismissed")
    review.status = RepeatStatus.DISMISSED
    review.dismissed_reason = reason
    review.decided_by_id = by.id
    review.decided_at = utcnow()
    record_event(
        "repeat.dismiss",
        object_type="repeat_review",
        object_id=review.id,
        fields=("status", "dismissed_reason"),
    )
    db.session.commit()
