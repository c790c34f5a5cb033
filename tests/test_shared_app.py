"""The shared test app forgets each test: rows, settings, configuration, files, rate counts."""

from __future__ import annotations

from sqlalchemy import func, select

from emarac.agencies.models import Agency, User


def test_reset_puts_the_app_back_as_it_was_built(app, db, make, request, backend):
    shared = request.getfixturevalue("shared_apps")(backend)
    assert shared.app is app
    settings = app.extensions["emarac.settings"]
    seeded_agencies = db.session.scalar(select(func.count()).select_from(Agency))
    make.user()
    db.session.commit()
    app.config["SOMETHING_A_TEST_SET"] = True
    app.extensions["something.a.test.added"] = object()
    settings.blind_index_bits = 2
    outbox = settings.instance_path / "outbox"
    outbox.mkdir(exist_ok=True)
    (outbox / "left-over.json").write_text("{}")
    db.session.remove()

    shared.reset()

    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(Agency)) == seeded_agencies
    assert "SOMETHING_A_TEST_SET" not in app.config
    assert "something.a.test.added" not in app.extensions
    assert settings.blind_index_bits != 2
    assert not outbox.exists()
