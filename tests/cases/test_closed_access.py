"""Access ends with the case: once closed, only the owning agency and the area's
coordinators open it, read only; everyone else gets 404."""

from __future__ import annotations

from bs4 import BeautifulSoup

from emarac.cases import closure
from emarac.cases.models import CaseStatus
from tests.conftest import sign_in
from tests.meetings.test_conference import hear_all, session_ready  # noqa: F401 - fixture


def _page(client, url):
    response = client.get(url)
    return response.status_code, BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_closing_ends_access_for_referrer_idva_and_invited(app, db, make, session_ready):  # noqa: F811
    s = session_ready
    meeting, case = s["meeting"], s["cases"][0]
    referrer = make.user(agency=make.agency(name="Referring Health (test)", kind="health"))
    idva = make.user(agency=make.agency(name="Testshire IDVA (test)", kind="idva_service"))
    chair = make.user(agency=s["coordinator"].agency, roles=("chair",))
    case.referring_agency_id = referrer.agency_id
    case.idva_agency_id = idva.agency_id
    db.session.commit()
    hear_all(meeting, s["coordinator"])

    everyone = {
        "owner": s["owner"],
        "coordinator": s["coordinator"],
        "referrer": referrer,
        "idva": idva,
        "invited": s["housing"],
        "chair": chair,
    }
    clients = {}
    for name, user in everyone.items():
        clients[name] = app.test_client()
        sign_in(clients[name], user)
        assert clients[name].get(f"/cases/{case.id}").status_code == 200, name

    status, page = _page(clients["coordinator"], f"/cases/{case.id}")
    assert "ends access for the referring agency" in page.select_one(
        "[data-testid=closing-ends-access]"
    ).get_text(" ", strip=True)
    closure.close_case(case, by=s["coordinator"])
    assert case.status == CaseStatus.CLOSED

    for name in ("referrer", "idva", "invited", "chair"):
        assert clients[name].get(f"/cases/{case.id}").status_code == 404, name
        assert clients[name].get(f"/cases/{case.id}/timeline").status_code == 404, name
    for name in ("owner", "coordinator"):
        status, page = _page(clients[name], f"/cases/{case.id}")
        assert status == 200, name
        keeps = page.select_one("[data-testid=who-keeps-access]").get_text(" ", strip=True)
        assert s["owner"].agency.name in keeps
        # Read only: no way to change the case, and its forms answer 404. (A new
        # incident can still be recorded: a closed case still has repeats.)
        assert not page.find("a", string="Add a child")
        assert clients[name].get(f"/cases/{case.id}/children/new").status_code == 404, name
