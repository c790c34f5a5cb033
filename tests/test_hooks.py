"""Hooks are kept per app: what one app plugs in, another never sees."""

from __future__ import annotations

import pytest
from flask import Flask

from emarac import hooks
from emarac.hooks import Hook
from emarac.incidents.services import after_record
from emarac.referrals.repeats import flag_repeat


def _app(name: str) -> Flask:
    app = Flask(name)
    hooks.init_app(app)
    return app


def test_two_apps_in_one_process_do_not_share_hooks():
    hook: Hook[str] = Hook("test.hook")
    first, second = _app("first"), _app("second")
    hook.connect(first, "a")
    hook.connect(first, "b")
    hook.connect(second, "c")
    assert hook.items(first) == ("a", "b")
    assert hook.items(second) == ("c",)
    with second.app_context():
        assert hook.items() == ("c",)


def test_connecting_the_same_item_twice_is_refused():
    hook: Hook[str] = Hook("test.hook")
    app = _app("app")
    hook.connect(app, "a")
    with pytest.raises(ValueError, match="already connected"):
        hook.connect(app, "a")


def test_an_app_not_built_by_create_app_fails_loudly():
    hook: Hook[str] = Hook("test.hook")
    with pytest.raises(RuntimeError, match="create_app"):
        hook.items(Flask("bare"))


def test_create_app_connects_repeat_detection_for_its_own_app_only(app):
    assert after_record.items(app) == (flag_repeat,)
    assert after_record.items(_app("other")) == ()
