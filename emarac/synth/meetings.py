"""Each area's fortnightly conference, created the first time a case needs it.

A referral is heard at the first meeting at least five days after it was
submitted (the time research takes). A meeting already held is ``minuted``
for its first four weeks and ``closed`` after; one still to come is
``planned``, or ``agenda_released`` in its last week. Held meetings get their
attendance; released ones their research; held ones the actions agreed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from emarac.actions.models import Action, ActionStatus
from emarac.agencies.models import AgencyKind
from emarac.meetings.models import MeetingStatus, Research
from emarac.synth import vocabulary as words
from emarac.synth.context import Context
from emarac.synth.partnership import AgencyInfo, AreaInfo

CYCLE_DAYS = 14
NOTICE_DAYS = 5
MINUTED_DAYS = 28
RELEASED_DAYS = 7

# Who usually owns an action agreed at the conference, by agency kind.
ACTION_OWNERS: tuple[tuple[AgencyKind, int], ...] = (
    (AgencyKind.IDVA_SERVICE, 25),
    (AgencyKind.POLICE, 25),
    (AgencyKind.CHILDRENS_SOCIAL_CARE, 15),
    (AgencyKind.HOUSING, 12),
    (AgencyKind.HEALTH, 10),
    (AgencyKind.PROBATION, 8),
    (AgencyKind.SPECIALIST_CHARITY, 5),
)
ACTIONS_PER_HEARING = ((1, 15), (2, 30), (3, 30), (4, 15), (5, 10))


@dataclass
class MeetingInfo:
    id: uuid.UUID
    held_on: date
    status: MeetingStatus
    items: int = 0

    @property
    def held(self) -> bool:
        return self.status in (
            MeetingStatus.MINUTES_DRAFTED,
            MeetingStatus.MINUTES_APPROVED,
            MeetingStatus.MINUTED,
            MeetingStatus.CLOSED,
        )

    @property
    def released(self) -> bool:
        return self.status is not MeetingStatus.PLANNED


@dataclass
class Calendar:
    """The meetings of every area, by area index and cycle number."""

    ctx: Context
    meetings: dict[tuple[int, int], MeetingInfo] = field(default_factory=dict)

    def _anchor(self, area: AreaInfo) -> date:
        # Areas meet on different weekdays, fortnightly from before the window opens.
        return self.ctx.start - timedelta(days=CYCLE_DAYS * 2 - area.index % 10)

    def hearing_for(self, area: AreaInfo, submitted_on: date) -> MeetingInfo:
        anchor = self._anchor(area)
        earliest = submitted_on + timedelta(days=NOTICE_DAYS)
        cycle = -(-(earliest - anchor).days // CYCLE_DAYS)
        found = self.meetings.get((area.index, cycle))
        if found is None:
            found = self._create(area, anchor + timedelta(days=cycle * CYCLE_DAYS))
            self.meetings[(area.index, cycle)] = found
        return found

    def _status(self, held_on: date) -> MeetingStatus:
        today = self.ctx.today
        if held_on < today - timedelta(days=MINUTED_DAYS):
            return MeetingStatus.CLOSED
        if held_on < today:
            return MeetingStatus.MINUTED
        if held_on <= today + timedelta(days=RELEASED_DAYS):
            return MeetingStatus.AGENDA_RELEASED
        return MeetingStatus.PLANNED

    def _create(self, area: AreaInfo, held_on: date) -> MeetingInfo:
        ctx = self.ctx
        meeting = MeetingInfo(ctx.new_id(), held_on, self._status(held_on))
        ctx.batch.add(
            "meeting",
            {
                "id": meeting.id,
                "area_id": area.id,
                "held_on": held_on,
                "status": meeting.status.value,
                "starts_at": time(10, 0),
                "place": f"Synthtown Civic Centre {words.MARK}",
                "online_link": None,
                "chair_id": area.chair,
                "coordinator_id": area.coordinator,
                "created_at": ctx.at(held_on - timedelta(days=28)),
            },
        )
        for agency in area.agencies:
            ctx.batch.add(
                "meeting_invite",
                {"id": ctx.new_id(), "meeting_id": meeting.id, "agency_id": agency.id},
            )
        if meeting.held:
            attendees = {area.coordinator}
            for agency in area.agencies:
                if agency.kind is AgencyKind.OTHER or ctx.chance(0.85):
                    attendees.add(ctx.rng.choice(agency.users))
            for agency in area.agencies:
                for user in agency.users:
                    if user in attendees:
                        attendees.discard(user)
                        _attend(ctx, meeting, user, agency)
            if area.coordinator in attendees:
                _attend(ctx, meeting, area.coordinator, area.first(AgencyKind.OTHER))
        return meeting


def _attend(ctx: Context, meeting: MeetingInfo, user: uuid.UUID, agency: AgencyInfo) -> None:
    ctx.batch.add(
        "attendance",
        {
            "id": ctx.new_id(),
            "meeting_id": meeting.id,
            "user_id": user,
            "agency_id": agency.id,
            "confidentiality_accepted_at": ctx.at(meeting.held_on, earliest_hour=9, latest_hour=9),
        },
    )


def research(
    ctx: Context, area: AreaInfo, meeting: MeetingInfo, case_id: uuid.UUID, *, children: bool
) -> None:
    """What the police, the IDVA and a few other invited agencies found before the meeting."""
    if not meeting.released:
        return
    agencies = [area.first(AgencyKind.POLICE), area.first(AgencyKind.IDVA_SERVICE)]
    others = [a for a in area.agencies if a not in agencies and a.kind is not AgencyKind.OTHER]
    agencies += ctx.rng.sample(others, ctx.rng.randint(1, 3))
    seal = ctx.sealer.seal
    for agency in agencies:
        row_id = ctx.new_id()
        found = not ctx.chance(0.3)
        about_perpetrator = found and ctx.chance(0.6)
        about_children = found and children and ctx.chance(0.5)
        ctx.batch.add(
            "research",
            {
                "id": row_id,
                "meeting_id": meeting.id,
                "case_id": case_id,
                "agency_id": agency.id,
                "author_id": ctx.rng.choice(agency.users),
                "no_information": not found,
                "about_victim_ct": (
                    seal(Research, "about_victim", row_id, words.RESEARCH) if found else None
                ),
                "about_perpetrator_ct": (
                    seal(Research, "about_perpetrator", row_id, words.RESEARCH)
                    if about_perpetrator
                    else None
                ),
                "about_children_ct": (
                    seal(Research, "about_children", row_id, words.RESEARCH)
                    if about_children
                    else None
                ),
                "updated_at": ctx.at(meeting.held_on - timedelta(days=ctx.rng.randint(1, 4))),
            },
        )


def actions(
    ctx: Context, area: AreaInfo, meeting: MeetingInfo, case_id: uuid.UUID, *, children: bool
) -> list[ActionStatus]:
    """The action plan agreed at a held meeting; returns the status of each action."""
    if not meeting.held:
        return []
    counts, weights = zip(*ACTIONS_PER_HEARING, strict=True)
    owners = [
        (k, w) for k, w in ACTION_OWNERS if children or k is not AgencyKind.CHILDRENS_SOCIAL_CARE
    ]
    kinds, kind_weights = zip(*owners, strict=True)
    plan = []
    for _ in range(ctx.rng.choices(counts, weights)[0]):
        owner = ctx.rng.choice(area.of_kind(ctx.rng.choices(kinds, kind_weights)[0]))
        row_id = ctx.new_id()
        due = meeting.held_on + timedelta(days=ctx.rng.randint(7, 42))
        status, completed = _progress(ctx, meeting.held_on, due)
        chased = (
            ctx.at(due + timedelta(days=ctx.rng.randint(1, 10)))
            if status is ActionStatus.OPEN and due < ctx.today and ctx.chance(0.5)
            else None
        )
        ctx.batch.add(
            "action",
            {
                "id": row_id,
                "case_id": case_id,
                "meeting_id": meeting.id,
                "owner_agency_id": owner.id,
                "created_by_id": area.coordinator,
                "description_ct": ctx.sealer.seal(
                    Action, "description", row_id, ctx.rng.choice(words.ACTIONS)
                ),
                "due_on": due,
                "status": status.value,
                "completion_note_ct": (
                    ctx.sealer.seal(Action, "completion_note", row_id, words.DONE_NOTE)
                    if status is ActionStatus.DONE and ctx.chance(0.5)
                    else None
                ),
                "completed_on": completed,
                "last_chased_at": chased,
                "created_at": ctx.at(meeting.held_on, earliest_hour=10, latest_hour=16),
            },
        )
        plan.append(status)
    return plan


def _progress(ctx: Context, held_on: date, due: date) -> tuple[ActionStatus, date | None]:
    """Most actions are done by their date; about one in ten runs late and stays open."""
    today = ctx.today
    if due < today:
        roll = ctx.rng.random()
        if roll < 0.85:
            status = ActionStatus.DONE
        elif roll < 0.9:
            status = ActionStatus.CANNOT
        else:
            return ActionStatus.OPEN, None
    elif ctx.chance(0.3) and held_on < today:
        status = ActionStatus.DONE
    else:
        return ActionStatus.OPEN, None
    latest = min(today, due + timedelta(days=7))
    return status, ctx.day_between(held_on + timedelta(days=1), latest)
