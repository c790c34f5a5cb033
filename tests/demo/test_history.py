"""The demo area's synthetic history: loaded once, into the demo's own area, readable figures."""

from __future__ import annotations

from sqlalchemy import func, select

from emarac import demo
from emarac.agencies.models import Agency, Area
from emarac.cases.models import Case
from emarac.clock import today
from emarac.demo import history
from emarac.indicators import report
from emarac.meetings.models import Meeting
from emarac.synth.checks import orphans


def test_the_demo_holds_two_years_of_history_in_its_own_area(db, clock):
    demo.load()
    area = db.session.scalar(select(Area).where(Area.name == demo.DEMO_AREA))
    assert db.session.scalar(select(func.count()).select_from(Area)) == 1
    demo_agencies = set(db.session.scalars(select(Agency.id).where(Agency.area_id == area.id)))
    case_agencies = set(db.session.scalars(select(Case.owning_agency_id).distinct()))
    assert case_agencies <= demo_agencies  # no agency of a made-up area
    first_meeting = db.session.scalar(select(func.min(Meeting.held_on)))
    assert (today() - first_meeting).days >= 700
    assert history.load(demo.DEMO_AREA) is None  # once only
    assert orphans(db.session.connection()) == {}

    period = report.default_period(today())
    board = report.build(
        db.session(), period, area_id=area.id, referring_agency_id=None, population=None
    )
    figures = {h.label: h.value for h in board.headlines}
    assert int(figures["Cases heard"]) >= 50
    assert figures["Repeat rate"].endswith("%")
    police = dict(board.referrers.rows)["Demoshire Police (demo)"]
    assert int(police) >= 5
