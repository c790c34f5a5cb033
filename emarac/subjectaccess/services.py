"""Building a subject access export, and recording it as a disclosure.

The export gathers every record about one person across agencies: their own
details, the cases they are part of (and in what role), the incidents naming
them, and for each case its checklists, referrals, research, agenda
discussion, minutes and actions. Nothing about another person is silently left
out: where a record describes someone else (the other people on the case, the
victim's checklist in a perpetrator's export) it is included and marked
``"redact": true`` with a reason, for the data-protection officer to review
before anything is sent. It reads every feature's records and writes only the
disclosure, so it sits with reporting, above the MARAC cycle.
"""

from __future__ import annotations

import html
import io
import json
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import inspect, or_, select

from emarac.actions.models import Action, ActionUpdate
from emarac.agencies.models import User
from emarac.auditing import record_event
from emarac.cases.models import (
    Case,
    CaseChild,
    CaseExclusion,
    CasePerpetrator,
    CaseTransfer,
    EmergencyAccess,
)
from emarac.clock import utcnow
from emarac.disclosures.models import DisclosureKind
from emarac.disclosures.services import record_disclosure
from emarac.extensions import db
from emarac.idva.models import ContactAttempt, IdvaStatusChange, SafetyPlan, VictimsVoice
from emarac.incidents.models import Incident, IncidentVersion
from emarac.meetings.models import AgendaItem, Minutes, Research
from emarac.people.models import Person
from emarac.protocol import policy
from emarac.protocol.policy import NotAllowed
from emarac.referrals.models import Referral
from emarac.risk.models import RiskAssessment

RECIPIENT = "The person the records are about (subject access request)"
PURPOSE = "Subject access request: every record held about one person"

# Columns never exported: search hashes made from the fields that are exported,
# and the flag that marks synthetic demonstration rows.
SKIPPED_SUFFIXES = ("_bidx",)
SKIPPED_COLUMNS = frozenset({"is_demo"})

# What the page and the export itself say is left out, and why.
LEFT_OUT = [
    (
        "Search indexes",
        "Keyed hashes of names, dates of birth, phone numbers and postcodes, made from "
        "the details that are included; they mean nothing on their own.",
    ),
    (
        "The audit trail",
        "Who opened or changed the records and when. It names staff, not the person, and "
        "holds field names only, never values. It can be given separately if asked for.",
    ),
    (
        "Staff details",
        "Members of staff who wrote or changed the records appear by their record id, "
        "not by name: they are third parties in their own right.",
    ),
    (
        "Other people's cases",
        "Cases the person is not part of, even if they share an address or a surname.",
    ),
]

REDACT_OTHER_PERSON = "another person on the case: a third party"
REDACT_ABOUT_VICTIM = "about the victim of a case in which this person is not the victim"
REDACT_SAFETY = (
    "who must not receive the case, and why: disclosing it may put someone at risk "
    "(review under the exemptions for others' safety)"
)
REDACT_STAFF = "a member of staff's reasons for emergency access: names a third party"


IDVA_RECORDS: tuple[tuple[str, Any], ...] = (
    ("idva_status_change", IdvaStatusChange),
    ("idva_victims_voice", VictimsVoice),
    ("idva_safety_plan", SafetyPlan),
    ("idva_contact", ContactAttempt),
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bytes):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def fields_of(row: Any) -> dict[str, Any]:
    """Every column of a row in plain JSON values, encrypted ones decrypted."""
    out: dict[str, Any] = {}
    for attr in inspect(type(row)).column_attrs:
        key = attr.key
        if key in SKIPPED_COLUMNS or key.endswith(SKIPPED_SUFFIXES):
            continue
        if key.endswith("_ct"):
            name = key[: -len("_ct")]
            if hasattr(type(row), name):
                out[name] = _plain(getattr(row, name))
            continue
        out[key] = _plain(getattr(row, key))
    return out


def _record(kind: str, row: Any, *, redact: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "record": kind,
        "redact": redact is not None,
        "redact_reason": redact,
        **extra,
        "fields": fields_of(row),
    }


@dataclass
class Export:
    """The export as built: its JSON document and the counts the page shows."""

    data: dict[str, Any]
    counts: dict[str, int] = field(default_factory=dict)

    def json_bytes(self) -> bytes:
        return json.dumps(self.data, indent=2, ensure_ascii=False, sort_keys=False).encode()


def _roles_of(person: Person) -> list[tuple[Case, str]]:
    """The cases the person is part of, with their role in each."""
    found: list[tuple[Case, str]] = [
        (case, "victim")
        for case in db.session.scalars(select(Case).where(Case.victim_id == person.id))
    ]
    for link in db.session.scalars(
        select(CasePerpetrator).where(CasePerpetrator.person_id == person.id)
    ):
        found.append((db.session.get_one(Case, link.case_id), "perpetrator"))
    for child in db.session.scalars(select(CaseChild).where(CaseChild.person_id == person.id)):
        found.append((db.session.get_one(Case, child.case_id), "child"))
    return sorted(found, key=lambda pair: pair[0].reference)


def _case_part(case: Case, role: str, person: Person) -> dict[str, Any]:
    about_victim = None if role == "victim" else REDACT_ABOUT_VICTIM
    part: dict[str, Any] = {
        "reference": case.reference,
        "role": role,
        "case": _record("case", case),
        "third_parties": [],
    }
    others: list[tuple[str, Person, Any]] = []
    if case.victim_id != person.id:
        others.append(("victim", case.victim, None))
    for link in db.session.scalars(
        select(CasePerpetrator).where(CasePerpetrator.case_id == case.id)
    ):
        if link.person_id != person.id:
            others.append(("perpetrator", db.session.get_one(Person, link.person_id), link))
        else:
            part["link"] = _record("case_perpetrator", link)
    for child in db.session.scalars(select(CaseChild).where(CaseChild.case_id == case.id)):
        if child.person_id != person.id:
            others.append(("child", db.session.get_one(Person, child.person_id), child))
        else:
            part["link"] = _record("case_child", child)
    for other_role, other, link in others:
        entry = _record("person", other, redact=REDACT_OTHER_PERSON, role=other_role)
        if link is not None:
            entry["link"] = fields_of(link)
        part["third_parties"].append(entry)

    assessments = db.session.scalars(
        select(RiskAssessment)
        .where(RiskAssessment.case_id == case.id)
        .order_by(RiskAssessment.completed_on)
    ).all()
    part["risk_assessments"] = [
        {
            **_record("risk_assessment", a, redact=about_victim),
            "answers": [
                {
                    "question": ans.question.text,
                    **_record("risk_answer", ans, redact=about_victim),
                }
                for ans in a.answers
            ],
        }
        for a in assessments
    ]
    part["referrals"] = [
        _record("referral", r, redact=about_victim)
        for r in db.session.scalars(select(Referral).where(Referral.case_id == case.id))
    ]
    part["research"] = []
    for research in db.session.scalars(select(Research).where(Research.case_id == case.id)):
        entry = _record("research", research)
        for section, whose in (
            ("about_victim", "victim"),
            ("about_perpetrator", "perpetrator"),
            ("about_children", "child"),
        ):
            if whose != role and entry["fields"].get(section):
                entry.setdefault("redact_fields", {})[section] = (
                    f"about the {whose.replace('child', 'children')} of the case: third parties"
                )
        if entry["fields"].get("answers"):
            # The answers of an agency's kind (police convictions, child protection
            # plans...) mix the victim with others: reviewed before release.
            entry.setdefault("redact_fields", {})["answers"] = (
                "the agency's answers may concern third parties: review before release"
            )
        entry["redact"] = bool(entry.get("redact_fields"))
        part["research"].append(entry)
    part["agenda_discussion"] = [
        _record("agenda_item", item, redact=about_victim)
        for item in db.session.scalars(select(AgendaItem).where(AgendaItem.case_id == case.id))
    ]
    part["minutes"] = [
        _record(
            "minutes",
            m,
            redact=about_victim,
            earlier_versions=[fields_of(v) for v in m.earlier],
        )
        for m in db.session.scalars(select(Minutes).where(Minutes.case_id == case.id))
    ]
    part["transfers"] = [
        _record("case_transfer", t)
        for t in db.session.scalars(select(CaseTransfer).where(CaseTransfer.case_id == case.id))
    ]
    part["must_not_receive"] = [
        _record("case_exclusion", x, redact=REDACT_SAFETY)
        for x in db.session.scalars(select(CaseExclusion).where(CaseExclusion.case_id == case.id))
    ]
    part["emergency_access"] = [
        _record("emergency_access", e, redact=REDACT_STAFF)
        for e in db.session.scalars(
            select(EmergencyAccess).where(EmergencyAccess.case_id == case.id)
        )
    ]
    actions = db.session.scalars(select(Action).where(Action.case_id == case.id)).all()
    part["actions"] = [
        {
            **_record("action", action, redact=about_victim),
            "updates": [
                _record("action_update", u, redact=about_victim)
                for u in db.session.scalars(
                    select(ActionUpdate).where(ActionUpdate.action_id == action.id)
                )
            ],
        }
        for action in actions
    ]
    # The IDVA service's record: the victim's own words and plans, kept as saved.
    part["idva_record"] = [
        _record(kind, row, redact=about_victim)
        for kind, model in IDVA_RECORDS
        for row in db.session.scalars(
            select(model).where(model.case_id == case.id).order_by(model.id)
        )
    ]
    return part


def build(person: Person) -> Export:
    """Everything held about ``person`` (no access check, no record: see :func:`export`)."""
    cases = [_case_part(case, role, person) for case, role in _roles_of(person)]
    incidents = []
    for incident in db.session.scalars(
        select(Incident)
        .where(or_(Incident.victim_id == person.id, Incident.perpetrator_id == person.id))
        .order_by(Incident.occurred_at)
    ):
        role = "victim" if incident.victim_id == person.id else "perpetrator"
        entry = _record("incident", incident, role=role)
        # A corrected incident's earlier versions are held too: they go with it.
        entry["earlier_versions"] = [
            _record("incident_version", version)
            for version in db.session.scalars(
                select(IncidentVersion)
                .where(IncidentVersion.incident_id == incident.id)
                .order_by(IncidentVersion.number)
            )
        ]
        other_id = incident.perpetrator_id if role == "victim" else incident.victim_id
        if other_id is not None:
            other = db.session.get_one(Person, other_id)
            entry["third_parties"] = [
                _record(
                    "person",
                    other,
                    redact=REDACT_OTHER_PERSON,
                    role="perpetrator" if role == "victim" else "victim",
                )
            ]
        incidents.append(entry)
    data = {
        "about": "Every record eMARAC holds about one person, for a subject access request.",
        "made_at": utcnow().isoformat(timespec="seconds"),
        "how_to_read": (
            "Records marked redact: true describe someone else as well (a third party) and "
            "must be reviewed, and redacted where needed, before this is sent."
        ),
        "left_out": [{"what": w, "why": why} for w, why in LEFT_OUT],
        "person": {
            **_record("person", person),
            "aliases": [_record("person_alias", a) for a in person.aliases],
        },
        "cases": cases,
        "incidents": incidents,
    }
    counts = {
        "cases": len(cases),
        "incidents": len(incidents),
        "third_parties": sum(len(c["third_parties"]) for c in cases),
    }
    return Export(data, counts)


def preview(person: Person, *, by: User) -> dict[str, int]:
    """What an export would hold, counted for the page before it is made (no values)."""
    if not policy.may_export_subject_access(by, person):
        raise NotAllowed("person", person.id, purpose="subject access refused")
    counts = build(person).counts
    record_event("person.subject_access_preview", object_type="person", object_id=person.id)
    db.session.commit()
    return counts


def export(person: Person, *, by: User) -> bytes:
    """The zip (subject.json and a printable subject.html); recorded as a disclosure; commits."""
    if not policy.may_export_subject_access(by, person):
        raise NotAllowed("person", person.id, purpose="subject access refused")
    built = build(person)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("subject.json", built.json_bytes())
        archive.writestr("subject.html", render_html(built.data))
    record_event(
        "person.subject_access_export",
        object_type="person",
        object_id=person.id,
        fields=("person", "cases", "incidents", "checklists", "referrals", "minutes", "actions"),
        recipient=RECIPIENT,
        purpose=PURPOSE,
    )
    record_disclosure(
        DisclosureKind.SUBJECT_ACCESS,
        by=by,
        object_type="person",
        object_id=person.id,
        area_id=by.agency.area_id,
        to_outside=RECIPIENT,
        purpose=PURPOSE,
    )
    db.session.commit()
    return buffer.getvalue()


def render_html(data: dict[str, Any]) -> str:
    """A printable copy: headings per record, a table of fields, redactions marked."""
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Subject access export</title>",
        "<style>body{font-family:Arial,sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse;width:100%;margin-bottom:1em}"
        "th,td{border:1px solid #b1b4b6;padding:4px;text-align:left;vertical-align:top}"
        ".redact{border-left:6px solid #d4351c;padding-left:8px}</style></head><body>",
        "<h1>Subject access export</h1>",
        f"<p>{html.escape(data['about'])} Made {html.escape(data['made_at'])} (UTC).</p>",
        f"<p><strong>{html.escape(data['how_to_read'])}</strong></p>",
        "<h2>Left out, and why</h2><ul>",
    ]
    out += [
        f"<li><strong>{html.escape(i['what'])}</strong>: {html.escape(i['why'])}</li>"
        for i in data["left_out"]
    ]
    out.append("</ul>")
    _html_record(out, "The person", data["person"], level=2)
    for alias in data["person"]["aliases"]:
        _html_record(out, "Other name", alias, level=3)
    for case in data["cases"]:
        out.append(f"<h2>Case {html.escape(case['reference'])} (as {case['role']})</h2>")
        _html_record(out, "The case", case["case"], level=3)
        for key in ("third_parties", "risk_assessments", "referrals", "research"):
            for item in case[key]:
                _html_record(out, key.replace("_", " ").capitalize(), item, level=3)
        for key in (
            "agenda_discussion",
            "minutes",
            "actions",
            "transfers",
            "must_not_receive",
            "emergency_access",
            "idva_record",
        ):
            for item in case[key]:
                _html_record(out, key.replace("_", " ").capitalize(), item, level=3)
    for incident in data["incidents"]:
        _html_record(out, f"Incident (as {incident['role']})", incident, level=2)
        for version in incident["earlier_versions"]:
            _html_record(out, "Earlier version of the incident", version, level=3)
    out.append("</body></html>")
    return "\n".join(out)


def _html_record(out: list[str], title: str, record: dict[str, Any], *, level: int) -> None:
    cls = " class='redact'" if record.get("redact") else ""
    out.append(f"<section{cls}><h{level}>{html.escape(title)}</h{level}>")
    if record.get("redact"):
        reason = record.get("redact_reason") or "parts describe third parties"
        out.append(f"<p><strong>Review before sending: {html.escape(reason)}.</strong></p>")
    out.append("<table>")
    for name, value in record.get("fields", {}).items():
        if value in (None, "", [], {}):
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        out.append(f"<tr><th>{html.escape(name)}</th><td>{html.escape(str(shown))}</td></tr>")
    out.append("</table>")
    for nested in ("answers", "updates", "third_parties"):
        for item in record.get(nested, []):
            _html_record(out, nested.replace("_", " ").capitalize(), item, level=level + 1)
    out.append("</section>")


@dataclass(frozen=True)
class OnCase:
    person_id: uuid.UUID
    role: str
    name: str


def people_on_case(reference: str, *, by: User) -> list[OnCase] | None:
    """The people of one of the reader's area cases, to pick whose request it is.

    None when there is no such case in the reader's area (the same answer for a
    case of another area, so references cannot be probed). The look-up is audited.
    """
    if not policy.may_read_disclosures(by):
        raise NotAllowed("marac_case", purpose="subject access look-up refused")
    case = db.session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
    if case is None or case.area_id != by.agency.area_id:
        record_event("case.subject_access_lookup", object_type="marac_case", purpose="not found")
        db.session.commit()
        return None
    found = [OnCase(case.victim_id, "Victim", case.victim.display_name)]
    for link in db.session.scalars(
        select(CasePerpetrator).where(CasePerpetrator.case_id == case.id)
    ):
        found.append(
            OnCase(
                link.person_id,
                "Perpetrator",
                db.session.get_one(Person, link.person_id).display_name,
            )
        )
    for child in db.session.scalars(select(CaseChild).where(CaseChild.case_id == case.id)):
        found.append(
            OnCase(
                child.person_id, "Child", db.session.get_one(Person, child.person_id).display_name
            )
        )
    record_event(
        "case.subject_access_lookup", object_type="marac_case", object_id=case.id, fields=("names",)
    )
    db.session.commit()
    return found
