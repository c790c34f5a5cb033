"""A tiny run of benchmarks/scale.py, so the full-size one keeps working between runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_scale_benchmark_runs_at_a_tiny_size(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'bench.db'}"
    else:
        url = make_url(database_url).set(database=f"{make_url(database_url).database}_scale")
        url = url.render_as_string(hide_password=False)
    out = tmp_path / "scale.json"
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "scale.py"),
        *("--database-url", url, "--cases", "50", "--incidents", "300"),
        *("--lookups", "30", "--pages", "3", "--operations", "5", "--json", str(out)),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    results = json.loads(out.read_text())
    assert results["cases"] == 50
    assert results["generation"]["rows"]["incident"] == 300
    assert results["search"]["lookups"] == 30
    assert results["case_page"]["pages"] == 3
    assert results["overhead"]["create_and_read_ratio"] > 0
    if not database_url.startswith("sqlite"):
        # The plain twins hold as many rows as the real tables (this run's own rows removed).
        twins = results["overhead"]["twin_rows"]
        assert twins["bench_plain_case"] == 50
        assert twins["bench_plain_person"] >= 50
        assert twins["bench_plain_name_token"] > twins["bench_plain_person"]
    # A second run finds the marker and reuses the data.
    again = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert json.loads(out.read_text())["generation"]["reused"] is True
    if not database_url.startswith("sqlite"):
        admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            name = make_url(url).database
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
