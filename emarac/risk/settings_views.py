"""An area's referral thresholds: the system administrator or the area's coordinator."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from emarac.risk import area_settings
from emarac.risk.settings_forms import AreaRiskSettingsForm, ReturnSourcesForm

bp = Blueprint("area_settings", __name__, url_prefix="/areas")


@bp.route("/<uuid:area_id>/referral-settings", methods=["GET", "POST"])
@login_required
def edit(area_id: uuid.UUID) -> Any:
    """Show the thresholds in force and their history; a change applies from today."""
    found = area_settings.area_rules(current_user, area_id)
    form = AreaRiskSettingsForm()
    sources = ReturnSourcesForm(formdata=None)
    sources.fill(found.sources)
    if not form.is_submitted():
        form.fill(found.current)
    if form.validate_on_submit():
        area_settings.change(current_user, area_id, form.data_in())
        flash("Referral settings saved: they apply from today", "success")
        return redirect(url_for("area_settings.edit", area_id=area_id))
    return render_template("risk/area_settings.html", found=found, form=form, sources=sources)


@bp.route("/<uuid:area_id>/return-sources", methods=["POST"])
@login_required
def edit_sources(area_id: uuid.UUID) -> Any:
    """Which referral-source category of the data return each kind of agency counts under."""
    found = area_settings.area_rules(current_user, area_id)
    sources = ReturnSourcesForm()
    if sources.validate_on_submit():
        area_settings.change_sources(current_user, area_id, sources.data_in())
        flash("Referral sources for the data return saved", "success")
        return redirect(url_for("area_settings.edit", area_id=area_id))
    form = AreaRiskSettingsForm(formdata=None)
    form.fill(found.current)
    return render_template("risk/area_settings.html", found=found, form=form, sources=sources), 400
