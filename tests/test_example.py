"""The committed lbc.example.db is exactly what the deterministic script makes."""

import json
from pathlib import Path

from conftest import new_target, rows

from lbc_cli import example

ROOT = Path(__file__).resolve().parent.parent
TABLES = ["children", "helpers", "pairings", "contacts", "exams", "exits", "settings", "schedule_items"]


def _content(path: Path) -> dict:
    data = {table: rows(path, f"SELECT * FROM {table} ORDER BY id") for table in TABLES}
    data["schema_version"] = rows(path, "SELECT version FROM schema_version ORDER BY id")
    data["audit"] = rows(path, "SELECT table_name, action, new_values FROM audit_log ORDER BY id")
    return data


def test_committed_example_is_current(tmp_path):
    fresh = new_target(tmp_path / "example.db")  # PostgreSQL: the same rows as the committed SQLite file
    assert example.main([str(fresh)]) == 0
    assert _content(ROOT / "lbc.example.db") == _content(fresh), "run `python -m lbc_cli.example lbc.example.db`"


def test_example_is_deterministic_and_covers_every_case(tmp_path):
    first, second = example.build(), example.build()
    assert first == second
    children = first["children"]
    assert len(children) == 40 and len({c["village"] for c in children}) == 3
    seen_flags = {f for c in children for f in c["flags"].split(";") if f}
    assert seen_flags == {"problem", "hardship", "single-parent", "dropout-risk", "lives-alone"}
    assert {c["schooling"] for c in children} == {
        "not-in-preschool", "preschool", "primary", "junior", "senior", "vocational", "dropout", "not-in-school"
    }  # fmt: skip
    assert {c["guardian_relation"] for c in children} == {
        "grandparent", "maternal-grandparent", "parent", "relative", "other", "none"
    }  # fmt: skip
    assert {c["guardian_rating"] for c in children} == {"good", "fair", "poor"}
    assert {c["health"] for c in children} == {"healthy", "disabled", "ill"}
    seen_aid = {a for c in children for a in c["assistance"].split(";") if a}
    assert seen_aid == {"dibao", "tekun", "temporary", "medical", "housing", "other"}
    roles = {h["role"] for h in first["helpers"]}
    assert roles == {
        "village-official", "children-director", "village-cadre", "party-member", "class-teacher", "volunteer",
        "loving-mother", "proxy-parent", "temp-dad", "other",
    }  # fmt: skip
    assert any(p["end_date"] for p in first["pairings"])
    kinds = {c["kind"] for c in first["contacts"]}
    assert {"video-call", "phone-call", "home-visit", "parent-feedback", "activity", "aid"} <= kinds
    assert {(e["school_year"], e["term"]) for e in first["exams"]} == {(2024, 2), (2025, 1), (2025, 2)}
    json.dumps(first, default=str)  # plain data


def test_init_example_loads_the_same_rows(run, new_db):
    path = new_db("demo.db")
    result = run("init", "--example", db=path)
    assert result.code == 0, result.err
    assert rows(path, "SELECT count(*) FROM children") == [(40,)]
    names = [r[0] for r in rows(path, "SELECT name FROM children ORDER BY id")]
    assert names == [c["name"] for c in example.build()["children"]]
