"""The subject access export holds the IDVA service's record of the victim."""

from __future__ import annotations

from bs4 import BeautifulSoup

from emarac.idva import services as idva
from emarac.subjectaccess import services
from tests.idva.conftest import IdvaArea


def test_the_victims_export_holds_the_idva_record(db, make, clock):
    area = IdvaArea(db, make)
    case = area.refer()
    idva.save_voice(
        case, by=area.idva, data=idva.VoiceInput("Synthetic: to stay", "Synthetic fear", "")
    )
    export = services.build(case.victim)
    (part,) = export.data["cases"]
    (voice,) = [r for r in part["idva_record"] if r["record"] == "idva_victims_voice"]
    assert voice["fields"]["wishes"] == "Synthetic: to stay"
    assert voice["redact"] is False
    printed = BeautifulSoup(services.render_html(export.data), "html.parser")
    assert "Synthetic: to stay" in [td.get_text() for td in printed.select("td")]
