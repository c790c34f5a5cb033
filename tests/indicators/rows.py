"""Load the plain rows the test oracle (``oracle.py``) counts, for a set of filters.

Only statistical columns are selected: ids, dates, statuses, agency kinds and
the plain fields of a person (year of birth, estimated age, gender, ethnic
group, disability, LGBT+). Names, dates of birth, addresses and every other
encrypted column stay in the database.

The rows are narrowed to the period (and area) in SQL so that not the whole
database is read, but the rules themselves (which meetings count as heard,
which agency referred, what is a repeat) are left to ``oracle.py``, so that
the test comparing it with ``queries.py`` compares two workings of the rules.
This path is for tests only; the app counts with ``queries.py``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from emarac.actions.models import Action
from emarac.agencies.models import Agency
from emarac.cases.models import Case, CaseChild, CasePerpetrator
from emarac.clock import as_utc
from emarac.incidents.models import Incident
from emarac.indicators.periods import Filters
from emarac.meetings.models import AgendaItem, Attendance, Meeting, MeetingInvite, Research
from emarac.people.models import Person
from emarac.referrals.models import Referral
from emarac.risk.models import AreaReferralSource, ChecklistQuestion, RiskAnswer, RiskAssessment
from tests.indicators.oracle import (
    ActionRow,
    AttendanceRow,
    ChildRow,
    Dataset,
    FactorAnswerRow,
    HearingRow,
    IncidentRow,
    InviteRow,
    MeetingRow,
    PerpetratorRow,
    PersonFacts,
    ReferralRow,
    ResearchRow,
    SourceMapRow,
)

Bind = Connection | Session

PERSON_FACTS = (
    Person.birth_year,
    Person.estimated_age,
    Person.gender,
    Person.ethnic_group,
    Person.disability,
    Person.lgbt,
    Person.age_estimated_on,
    Person.alcohol,
    Person.drugs,
    Person.mental_health,
)


def load(bind: Bind, filters: Filters) -> Dataset:
    """Every row the indicators need for ``filters``, with the victims' earlier referrals."""
    meetings = select(Meeting.id).where(Meeting.held_on.between(filters.start, filters.end))
    if filters.area_id is not None:
        meetings = meetings.where(Meeting.area_id == filters.area_id)
    cases = select(AgendaItem.case_id).where(AgendaItem.meeting_id.in_(meetings))
    victims = select(Case.victim_id).where(Case.id.in_(cases))
    # The heard cases and the victims' other cases, whose perpetrators the repeat rule reads.
    victims_cases = select(Case.id).where(Case.victim_id.in_(victims))
    kinds: dict[Any, str] = {
        agency_id: kind for agency_id, kind in bind.execute(select(Agency.id, Agency.kind))
    }
    return Dataset(
        hearings=_hearings(bind, meetings, kinds),
        referrals=_referrals(bind, filters, victims),
        children=tuple(
            ChildRow(case_id, bool(in_household))
            for case_id, in_household in bind.execute(
                select(CaseChild.case_id, CaseChild.lives_in_household).where(
                    CaseChild.case_id.in_(cases)
                )
            )
        ),
        perpetrators=tuple(
            PerpetratorRow(*row)
            for row in bind.execute(
                select(
                    CasePerpetrator.case_id,
                    Person.birth_year,
                    Person.estimated_age,
                    CasePerpetrator.person_id,
                    Person.age_estimated_on,
                    Person.alcohol,
                    Person.drugs,
                    Person.mental_health,
                )
                .join(Person, Person.id == CasePerpetrator.person_id)
                .where(CasePerpetrator.case_id.in_(victims_cases))
            )
        ),
        factor_answers=tuple(
            FactorAnswerRow(case_id, completed_on, factor)
            for case_id, completed_on, factor in bind.execute(
                select(
                    RiskAssessment.case_id, RiskAssessment.completed_on, ChecklistQuestion.factor
                )
                .join(RiskAnswer, RiskAnswer.assessment_id == RiskAssessment.id)
                .join(ChecklistQuestion, ChecklistQuestion.id == RiskAnswer.question_id)
                .where(
                    RiskAssessment.case_id.in_(cases),
                    RiskAnswer.answer == "yes",
                    ChecklistQuestion.factor.is_not(None),
                )
            )
        ),
        incidents=tuple(
            IncidentRow(victim_id, as_utc(occurred_at).date(), bool(drink), perpetrator_id)
            for victim_id, occurred_at, drink, perpetrator_id in bind.execute(
                select(
                    Incident.victim_id,
                    Incident.occurred_at,
                    Incident.alcohol_or_drugs,
                    Incident.perpetrator_id,
                ).where(Incident.victim_id.in_(victims))
            )
        ),
        meetings=tuple(
            MeetingRow(*row)
            for row in bind.execute(
                select(Meeting.id, Meeting.area_id, Meeting.held_on, Meeting.status).where(
                    Meeting.id.in_(meetings)
                )
            )
        ),
        invites=tuple(
            InviteRow(*row)
            for row in bind.execute(
                select(MeetingInvite.meeting_id, MeetingInvite.agency_id).where(
                    MeetingInvite.meeting_id.in_(meetings)
                )
            )
        ),
        attendance=tuple(
            AttendanceRow(*row)
            for row in bind.execute(
                select(Attendance.meeting_id, Attendance.agency_id).where(
                    Attendance.meeting_id.in_(meetings)
                )
            )
        ),
        research=tuple(
            ResearchRow(*row)
            for row in bind.execute(
                select(Research.meeting_id, Research.case_id, Research.agency_id).where(
                    Research.meeting_id.in_(meetings)
                )
            )
        ),
        actions=_actions(bind, filters),
        source_map=tuple(
            SourceMapRow(*row)
            for row in bind.execute(
                select(
                    AreaReferralSource.area_id,
                    AreaReferralSource.agency_kind,
                    AreaReferralSource.source,
                )
            )
        ),
    )


def _hearings(bind: Bind, meetings: Any, kinds: dict[Any, str]) -> tuple[HearingRow, ...]:
    statement = (
        select(
            AgendaItem.id,
            AgendaItem.meeting_id,
            AgendaItem.case_id,
            Case.victim_id,
            Meeting.area_id,
            Meeting.held_on,
            Meeting.status,
            AgendaItem.referral_id,
            Referral.submitted_on,
            Referral.referring_agency_id,
            Case.referring_agency_id,
            Case.owning_agency_id,
            AgendaItem.outcome,
            Referral.criteria,
            *PERSON_FACTS,
        )
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Case, Case.id == AgendaItem.case_id)
        .join(Person, Person.id == Case.victim_id)
        .outerjoin(Referral, Referral.id == AgendaItem.referral_id)
        .where(AgendaItem.meeting_id.in_(meetings))
    )
    hearings = []
    for row in bind.execute(statement):
        (item_id, meeting_id, case_id, victim_id, area_id, held_on, status, referral_id) = row[:8]
        referred_on, by_referral, by_case, owner, outcome, criteria = row[8:14]
        referrer = by_referral or by_case or owner
        hearings.append(
            HearingRow(
                item_id=item_id,
                meeting_id=meeting_id,
                case_id=case_id,
                victim_id=victim_id,
                area_id=area_id,
                held_on=held_on,
                meeting_status=status,
                referral_id=referral_id,
                referred_on=referred_on,
                referring_agency_id=referrer,
                referrer_kind=kinds.get(referrer),
                victim=PersonFacts(*row[14:]),
                outcome=outcome,
                criteria=tuple(criteria or ()),
            )
        )
    return tuple(hearings)


def _referrals(bind: Bind, filters: Filters, victims: Any) -> tuple[ReferralRow, ...]:
    """The heard victims' referrals at any date, and every referral submitted in the period."""
    columns = (
        Referral.id,
        Case.victim_id,
        Referral.area_id,
        Referral.referring_agency_id,
        Referral.submitted_on,
        Referral.status,
        Referral.meeting_id,
        Referral.case_id,
    )
    history = select(*columns).join(Case, Case.id == Referral.case_id)
    in_period = history.where(Referral.submitted_on.between(filters.start, filters.end))
    if filters.area_id is not None:
        in_period = in_period.where(Referral.area_id == filters.area_id)
    found: dict[Any, ReferralRow] = {}
    for statement in (history.where(Case.victim_id.in_(victims)), in_period):
        for row in bind.execute(statement):
            found[row[0]] = ReferralRow(*row)
    return tuple(found.values())


def _actions(bind: Bind, filters: Filters) -> tuple[ActionRow, ...]:
    statement = (
        select(
            Action.id,
            Meeting.area_id,
            Case.area_id,
            Case.referring_agency_id,
            Case.owning_agency_id,
            Action.due_on,
            Action.status,
            Action.completed_on,
        )
        .join(Case, Case.id == Action.case_id)
        .outerjoin(Meeting, Meeting.id == Action.meeting_id)
        .where(Action.due_on.between(filters.start, filters.end))
    )
    actions = []
    for row in bind.execute(statement):
        action_id, meeting_area, case_area, case_referrer, owner, due_on, status, done_on = row
        actions.append(
            ActionRow(
                id=action_id,
                area_id=meeting_area or case_area,
                referring_agency_id=case_referrer or owner,
                due_on=due_on,
                status=status,
                completed_on=done_on,
            )
        )
    return tuple(actions)
