"""benchmarks/run.py works end to end on a small county (its timings are not checked here).

The runner is run as it is meant to be, a subprocess of this environment's Python; sqlite3 and
sqlite-utils are used when installed and shown as "n/a (not installed)" otherwise.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "benchmarks" / "run.py"
WORKLOADS = (
    "import_children",
    "import_contacts",
    "export_contacts",
    "remind_county",
    "remind_township",
    "remind_send",
    "score",
    "report_summary",
    "report_summary_docx",
    "child_list",
    "export_children_xlsx",
    "help",
    "version",
    "enroll",
    "log_contact",
)


def bench(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    argv = [
        sys.executable,
        str(RUNNER),
        "--runs",
        "1",
        "--data",
        str(tmp_path / "data"),
        "--work",
        str(tmp_path / "out"),
    ]
    return subprocess.run([*argv, *args], capture_output=True, text=True, cwd=tmp_path, timeout=600)


def table_rows(out: str) -> dict[str, list[str]]:
    """workload -> its cells, from the Markdown table on stdout."""
    rows = {}
    for line in out.splitlines():
        match = re.match(r"\| `(\w+)` \|(.*)\|$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
    return rows


def test_runner_times_every_workload_on_a_small_county(tmp_path):
    done = bench("--children", "1000", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "- machine:" in done.stdout and "N = 1,000 children" in done.stdout
    rows = table_rows(done.stdout)
    assert list(rows) == list(WORKLOADS)
    for name, (median, peak, baselines, _ratios, target, met) in rows.items():
        assert float(median) > 0 and float(peak) > 0, name
        assert baselines and target and met, name
    assert "query share" in rows["score"][2]
    # the tuned sqlite3 loader (staging, one INSERT … SELECT, the indexes after) is the imports' baseline when installed
    for name in ("import_children", "import_contacts"):
        assert ("tuned sqlite3: " if shutil.which("sqlite3") else "tuned sqlite3: n/a") in rows[name][2], rows[name]
    assert "≤ 2× tuned sqlite3" in rows["import_children"][4] and "≤ 1.5× tuned sqlite3" in rows["import_contacts"][4]
    assert "import typer" in rows["help"][2] and "import sqlmodel" in rows["enroll"][2]
    assert "not judged" in rows["remind_county"][5]  # the absolute targets are for 100,000 children
    # the data is generated once and reused while its stamp matches
    assert (tmp_path / "data" / "stamp.json").is_file()
    assert (tmp_path / "data" / "contacts.csv").read_text(encoding="utf-8").count("\n") == 10_001


def test_write_readme_replaces_only_the_results_block(tmp_path):
    readme = tmp_path / "README.md"
    before = "# Benchmarks\n\ntext above\n\n<!-- results:start -->\nold results\n<!-- results:end -->\n\ntext below\n"
    readme.write_text(before, encoding="utf-8")
    done = bench("--only", "help", "--write-readme", "--readme", str(readme), tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    after = readme.read_text(encoding="utf-8")
    head, rest = after.split("<!-- results:start -->\n")
    block, tail = rest.split("<!-- results:end -->")
    assert head == "# Benchmarks\n\ntext above\n\n"
    assert tail == "\n\ntext below\n"
    assert "old results" not in block
    assert block.strip() == done.stdout.strip()
    assert "| `help` |" in block and "- date:" in block
    assert not (tmp_path / "data").exists()  # --help needs no county


def test_write_readme_without_the_markers_is_an_error(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n", encoding="utf-8")
    done = bench("--only", "version", "--write-readme", "--readme", str(readme), tmp_path=tmp_path)
    assert done.returncode == 2
    assert "results:start" in done.stderr
    assert readme.read_text(encoding="utf-8") == "# no markers\n"


@pytest.mark.skipif(not os.environ.get("LBC_TEST_PG"), reason="needs a PostgreSQL server (LBC_TEST_PG)")
def test_db_runs_a_workload_on_postgresql_against_sqlite(tmp_path):
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(os.environ["LBC_TEST_PG"])
    done = bench("--children", "200", "--only", "import_children", "--db", str(url), tmp_path=tmp_path)
    admin = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True)
    made = [name for (name,) in admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY 1",
                                              (f"{url.database}_bench_%",))]  # fmt: skip
    for name in made:  # the runner's databases on the server: its template, and no copy left over
        admin.execute(f'DROP DATABASE "{name}"')
    admin.close()
    assert done.returncode == 0, done.stderr
    assert made == [f"{url.database}_bench_empty"]
    assert "- PostgreSQL 1" in done.stdout
    rows = table_rows(done.stdout)
    assert list(rows) == ["import_children"]
    _median, _peak, baselines, ratios, target, _met = rows["import_children"]
    assert baselines.startswith("lbc on SQLite: ") and ratios.endswith("× lbc on SQLite")
    assert target == "≤ 2× lbc on SQLite; ≤ 150 MiB; ≤ 150 MiB on SQLite"
