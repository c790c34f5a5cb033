"""Jinja: our templates first, then the GOV.UK Frontend macros from their packages."""

from __future__ import annotations

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader


def register_templating(app: Flask) -> None:
    own = app.jinja_loader
    if own is None:
        raise RuntimeError("the app needs a template folder")
    app.jinja_loader = ChoiceLoader(
        [
            own,
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    WTFormsHelpers(app)
    app.jinja_env.globals["govukRebrand"] = True
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
