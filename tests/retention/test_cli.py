"""``flask emarac retention erase --due``: counts only, one case per transaction, resumable."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from emarac.auditing import ledger_table
from emarac.cases.models import Case, CaseStatus
from emarac.retention import services
from emarac.retention.models import Outcome, RetentionDecision
from tests.factories import Cases


def _closed_cases(db, make, count, *, review_on=date(2026, 10, 1)):
    owner = make.user()
    builder = Cases(db, make)
    made = []
    for n in range(count):
        case = builder.open(by=owner, family_name=f"Bulkerase{n}")
        case.status, case.closed_on, case.review_on = CaseStatus.CLOSED, date(2020, 1, 1), review_on
        made.append(case)
    db.session.commit()
    return made


def _erase_events(db):
    return db.session.scalar(
        select(func.count()).select_from(ledger_table).where(ledger_table.c.action == "case.erase")
    )


def test_dry_run_counts_and_changes_nothing(app, db, make, clock):
    due = _closed_cases(db, make, 2)
    _closed_cases(db, make, 1, review_on=date(2027, 1, 1))  # not due yet
    result = app.test_cli_runner().invoke(
        args=["emarac", "retention", "erase", "--due", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "2 cases are due for erasure" in result.output
    assert _erase_events(db) == 0
    assert all(db.session.get(Case, c.id).erased_on is None for c in due)


def test_erases_due_cases_skips_kept_ones_and_prints_no_names(app, db, make, clock):
    due = _closed_cases(db, make, 3)
    kept = due.pop()
    db.session.add(
        RetentionDecision(
            case_id=kept.id,
            outcome=Outcome.RETAIN,
            review_was=date(2026, 10, 1),
            next_review_on=date(2027, 6, 1),
        )
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["emarac", "retention", "erase", "--due"])
    assert result.exit_code == 0, result.output
    assert "2 cases erased; 2 people erased, 0 kept" in result.output
    assert "Bulkerase" not in result.output
    assert all(c.reference not in result.output for c in due + [kept])
    db.session.expire_all()
    assert [db.session.get(Case, c.id).erased_on for c in due] == [date(2026, 11, 2)] * 2
    assert db.session.get(Case, kept.id).erased_on is None
    assert _erase_events(db) == 2


def test_a_stopped_run_resumes_with_the_cases_still_due(app, db, make, clock, monkeypatch):
    cases = _closed_cases(db, make, 4)
    real = services.erase_case
    calls = {"n": 0}

    def killed_on_the_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "erase_case", killed_on_the_third)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["emarac", "retention", "erase", "--due"])
    assert first.exit_code != 0
    db.session.rollback()
    assert _erase_events(db) == 2
    monkeypatch.setattr(services, "erase_case", real)
    second = runner.invoke(args=["emarac", "retention", "erase", "--due"])
    assert second.exit_code == 0, second.output
    assert "2 cases erased" in second.output
    db.session.expire_all()
    assert all(db.session.get(Case, c.id).erased_on is not None for c in cases)
    assert _erase_events(db) == 4  # each case once
