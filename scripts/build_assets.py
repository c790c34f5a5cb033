"""Copy the compiled front-end packages and our own sources into static/dist.

Run after ``npm ci`` (the Makefile's ``assets`` target does both). Nothing in
static/dist is committed; it is rebuilt from package-lock.json.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "node_modules"
DIST = ROOT / "static" / "dist"

COPIES = [
    ("govuk-frontend/dist/govuk/govuk-frontend.min.css", "govuk/govuk-frontend.min.css"),
    ("govuk-frontend/dist/govuk/govuk-frontend.min.js", "govuk/govuk-frontend.min.js"),
    ("govuk-frontend/dist/govuk/assets", "govuk/assets"),
    ("@ministryofjustice/frontend/moj/moj-frontend.min.css", "moj/moj-frontend.min.css"),
    ("@ministryofjustice/frontend/moj/moj-frontend.min.js", "moj/moj-frontend.min.js"),
    ("@ministryofjustice/frontend/moj/assets", "moj/assets"),
    ("chart.js/dist/chart.umd.min.js", "chart.js/chart.umd.min.js"),
]


def copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        shutil.copy2(source, target)


def main() -> int:
    if not MODULES.is_dir():
        sys.stderr.write("node_modules is missing: run `npm ci` first (or `make assets`)\n")
        return 1
    for source, target in COPIES:
        path = MODULES / source
        if not path.exists():
            sys.stderr.write(f"missing {source}: is package-lock.json installed?\n")
            return 1
        copy(path, DIST / target)
    for own in sorted((ROOT / "static" / "src").iterdir()):
        copy(own, DIST / "app" / own.name)
    sys.stdout.write(f"Built front-end assets into {DIST.relative_to(ROOT)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
