"""Copy the compiled front-end packages and our own sources into static/dist.

Run after ``npm ci`` (the Makefile's ``assets`` target does both); this script
never runs npm itself. Nothing in static/dist is committed: it is rebuilt from
package-lock.json and static/src. Standard library only.

Layout of static/dist:
    govuk/govuk-frontend.min.css, .min.js (an ES module), assets/{fonts,images,manifest.json}
    moj/moj-frontend.min.css, .min.js (an ES module), assets/images
    chart.js/chart.umd.min.js (a classic script that defines window.Chart)
    app/*  our own files from static/src

The copy is idempotent and fast: a file is written only when it differs, and
files no longer produced are removed. The compiled CSS asks for its fonts and
images at the site root (``url(/assets/...)``); we rewrite those to paths
relative to the CSS file, so they resolve inside static/dist wherever the app
is mounted, and then check that every ``url()`` in the built CSS exists.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "node_modules"
SOURCES = ROOT / "static" / "src"
DIST = ROOT / "static" / "dist"
# Written by the Makefile after a build; not ours to remove.
KEEP = {".built"}

PACKAGES = ("govuk-frontend", "@ministryofjustice/frontend", "chart.js")

# (source under node_modules, target under static/dist); a folder is copied whole.
COPIES = [
    ("govuk-frontend/dist/govuk/govuk-frontend.min.css", "govuk/govuk-frontend.min.css"),
    ("govuk-frontend/dist/govuk/govuk-frontend.min.css.map", "govuk/govuk-frontend.min.css.map"),
    ("govuk-frontend/dist/govuk/govuk-frontend.min.js", "govuk/govuk-frontend.min.js"),
    ("govuk-frontend/dist/govuk/govuk-frontend.min.js.map", "govuk/govuk-frontend.min.js.map"),
    ("govuk-frontend/dist/govuk/assets", "govuk/assets"),
    ("@ministryofjustice/frontend/moj/moj-frontend.min.css", "moj/moj-frontend.min.css"),
    ("@ministryofjustice/frontend/moj/moj-frontend.min.css.map", "moj/moj-frontend.min.css.map"),
    ("@ministryofjustice/frontend/moj/moj-frontend.min.js", "moj/moj-frontend.min.js"),
    ("@ministryofjustice/frontend/moj/moj-frontend.min.js.map", "moj/moj-frontend.min.js.map"),
    ("@ministryofjustice/frontend/moj/assets", "moj/assets"),
    ("chart.js/dist/chart.umd.min.js", "chart.js/chart.umd.min.js"),
    ("chart.js/dist/chart.umd.min.js.map", "chart.js/chart.umd.min.js.map"),
]

ROOT_ASSET_URL = re.compile(r"url\((['\"]?)/assets/")
CSS_URL = re.compile(r"url\((['\"]?)([^'\")]+)\1\)")


class BuildError(Exception):
    pass


def relative_asset_urls(css: bytes) -> bytes:
    text, count = ROOT_ASSET_URL.subn(r"url(\1assets/", css.decode("utf-8"))
    if count == 0:
        raise BuildError("expected url(/assets/...) in the compiled CSS; has the package changed?")
    return text.encode("utf-8")


TRANSFORMS: dict[str, Callable[[bytes], bytes]] = {
    "govuk/govuk-frontend.min.css": relative_asset_urls,
    "moj/moj-frontend.min.css": relative_asset_urls,
}


def check_installed() -> None:
    """node_modules exists and holds the versions package-lock.json names."""
    if not MODULES.is_dir():
        raise BuildError(
            "node_modules is missing. Install the npm packages first: `npm ci` "
            "(or run `make assets`, which does both)."
        )
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    for name in PACKAGES:
        wanted = lock["packages"].get(f"node_modules/{name}", {}).get("version")
        manifest = MODULES / name / "package.json"
        if not manifest.is_file():
            raise BuildError(f"node_modules/{name} is missing: run `npm ci`.")
        installed = json.loads(manifest.read_text(encoding="utf-8")).get("version")
        if wanted != installed:
            raise BuildError(
                f"node_modules has {name} {installed} but package-lock.json wants {wanted}: "
                "run `npm ci`."
            )


def planned() -> Iterator[tuple[Path, str]]:
    """Every (source file, target path under DIST) this build produces."""
    for source, target in COPIES:
        path = MODULES / source
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                yield file, f"{target}/{file.relative_to(path).as_posix()}"
        elif path.is_file():
            yield path, target
        else:
            raise BuildError(f"node_modules/{source} is missing: has the package layout changed?")
    for file in sorted(p for p in SOURCES.rglob("*") if p.is_file()):
        yield file, f"app/{file.relative_to(SOURCES).as_posix()}"


def write(source: Path, target: Path, transform: Callable[[bytes], bytes] | None) -> bool:
    """Bring target up to date with source; True when it had to change."""
    if transform is not None:
        content = transform(source.read_bytes())
        if target.is_file() and target.read_bytes() == content:
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        return True
    if target.is_file():
        have, want = target.stat(), source.stat()
        if have.st_size == want.st_size and int(have.st_mtime) == int(want.st_mtime):
            return False
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)  # keeps the mtime, so the next run can skip it
    return True


def prune(produced: set[Path]) -> int:
    removed = 0
    for path in sorted(DIST.rglob("*"), reverse=True):
        if path.is_file() and path not in produced and path.name not in KEEP:
            path.unlink()
            removed += 1
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return removed


def check_css_urls() -> None:
    """Every url() in the built CSS names a file that exists in static/dist."""
    for css in sorted(DIST.rglob("*.css")):
        for _, url in CSS_URL.findall(css.read_text(encoding="utf-8")):
            if url.startswith(("data:", "#")):
                continue
            if "//" in url or url.startswith("/"):
                raise BuildError(f"{css.relative_to(ROOT)} refers outside static/dist: {url}")
            if not (css.parent / url.split("?")[0].split("#")[0]).is_file():
                raise BuildError(f"{css.relative_to(ROOT)} refers to a missing file: {url}")


def build() -> str:
    check_installed()
    produced: set[Path] = set()
    changed = 0
    for source, name in planned():
        target = DIST / name
        produced.add(target)
        changed += write(source, target, TRANSFORMS.get(name))
    removed = prune(produced)
    check_css_urls()
    return (
        f"Front-end assets in {DIST.relative_to(ROOT)}: {len(produced)} files, "
        f"{changed} updated, {removed} removed"
    )


def main() -> int:
    try:
        summary = build()
    except BuildError as error:
        sys.stderr.write(f"build_assets: {error}\n")
        return 1
    sys.stdout.write(summary + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
