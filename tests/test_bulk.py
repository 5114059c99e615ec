"""The county-scale paths: CSV lines made by the database, streamed imports that rebuild plain indexes.

Each fast path must give exactly what the general path gives; the expected text is spelled out
here from the spec's rules (formula prefix, masking, CSV quoting), not taken from the code."""

import csv
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lbc_cli import importer, models, sqlcsv
from lbc_cli import io as lbc_io
from tests.conftest import last_days_by_hand, last_days_in_facts, rows


def _contacts_csv(notes: list[str]) -> str:
    lines = ["child_id,kind,date,with_whom,note"]
    for note in notes:
        quoted = '"' + note.replace('"', '""') + '"'
        lines.append(f"1,phone-call,2026-03-01,parent,{quoted}")
    return "\n".join(lines) + "\n"


HOSTILE = [
    "plain",
    "has, comma",
    'has "quotes"',
    "two\nlines",
    "=SUM(A1)",
    "+86 138",
    "-minus",
    "@at",
    "'=already quoted",
    "''+twice",
    "'plain quote",
    "中文,逗号",
    "",
]


def _expected_cell(note: str) -> str:
    """Spec §8 by hand: a leading quote before a formula trigger, then CSV quoting."""
    text = note
    if text.lstrip("'")[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    if any(ch in text for ch in ',"\r\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def test_database_csv_lines_equal_the_rules(lbc, db, tmp_path):
    assert (
        lbc(
            "enroll",
            "张小红",
            "--gender",
            "F",
            "--birth",
            "2015-04-05",
            "--enrolled-on",
            "2024-01-01",
            "--village",
            "柳河村",
        ).code
        == 0
    )
    source = tmp_path / "contacts.csv"
    source.write_text(_contacts_csv(HOSTILE), encoding="utf-8")
    assert lbc("import", "contacts", str(source)).code == 0
    result = lbc("export", "contacts")
    assert result.code == 0, result.err
    lines = result.out.split("\r\n")
    assert lines[0] == "id,uid,child_id,helper_id,kind,date,with_whom,minutes,note,follow_up_date,no_answer"
    body = [line for line in lines[1:] if line]
    # a note with a line break spans two physical lines: read the cells back with a CSV reader
    parsed = list(csv.reader(io.StringIO(result.out, newline="")))[1:]
    assert len(parsed) == len(HOSTILE)
    triggers = ("=", "+", "-", "@")
    # import took off the one quote an export puts before a formula; the export puts it back
    stored = [n[1:] if n.startswith("'") and n.lstrip("'")[:1] in triggers else n for n in HOSTILE]
    for cells, note in zip(parsed, stored, strict=True):
        assert cells[8] == (("'" + note) if note.lstrip("'")[:1] in triggers else note)
    assert [cells[8] for cells in parsed][8:10] == ["'=already quoted", "''+twice"]
    for note in [n for n in stored if "\n" not in n]:
        assert any(line.endswith(f",{_expected_cell(note)},,0") for line in body), note


def test_database_path_and_general_path_write_the_same_bytes(lbc, db, monkeypatch, tmp_path):
    assert (
        lbc(
            "enroll", "李四", "--gender", "M", "--birth", "2014-02-03", "--enrolled-on", "2024-01-01",
            "--village", "石桥村,二组",
            "--guardian-phone", "13812345678", "--father-phone", "0731-84123456", "--address", '=HYPERLINK("x")',
        ).code
        == 0
    )  # fmt: skip
    source = tmp_path / "contacts.csv"
    source.write_text(_contacts_csv(HOSTILE), encoding="utf-8")
    assert lbc("import", "contacts", str(source)).code == 0
    fast = {
        (t, r): lbc("export", t, *r).out
        for t in ("children", "contacts", "helpers", "pairs")
        for r in ((), ("--reveal",))
    }
    monkeypatch.setattr(sqlcsv, "csv_lines", lambda *a, **k: None)  # the general path, csv.writer
    for (table, reveal), text in fast.items():
        assert lbc("export", table, *reveal).out == text, (table, reveal)
    masked = fast[("children", ())]
    assert "138****5678" in masked and "13812345678" not in masked
    assert "073******3456" in masked  # 13 characters: 3 kept, 6 hidden, 4 kept
    assert '\'=HYPERLINK(""x"")' in masked


def test_database_export_filters_follow_the_general_path(lbc, db, monkeypatch):
    for i, village in enumerate(["柳河村", "石桥村", "柳河村"]):
        assert lbc("enroll", f"王{i}", "--gender", "F", "--birth", f"2015-01-0{i + 1}", "--village", village).code == 0
    fast = lbc("export", "children", "--village", "柳河村").out
    monkeypatch.setattr(sqlcsv, "csv_lines", lambda *a, **k: None)
    assert lbc("export", "children", "--village", "柳河村").out == fast
    assert fast.count("柳河村") == 2 and "石桥村" not in fast


def test_real_columns_take_the_general_path():
    exams = models.Exam.__table__
    assert sqlcsv.kinds(exams, [c.name for c in exams.columns]) is None  # total_score is REAL
    contacts = models.Contact.__table__
    names = [c.name for c in contacts.columns]
    kinds = dict(zip(names, sqlcsv.kinds(contacts, names), strict=True))
    assert kinds["note"] == "text" and kinds["kind"] == "plain" and kinds["date"] == "date"
    assert kinds["id"] == "integer" and kinds["no_answer"] == "boolean" and kinds["uid"] == "plain"


def _index_names(target) -> list[str]:
    return sorted(name for (name,) in rows(target, "SELECT name FROM sqlite_master WHERE type = 'index'"))


@pytest.mark.sqlite_only("reads SQLite's catalogue of indexes")
def test_a_bulk_import_rebuilds_plain_indexes_and_keeps_them_on_failure(lbc, db, monkeypatch, tmp_path):
    monkeypatch.setattr(importer, "BULK_ROWS", 10)
    monkeypatch.setattr(importer, "CHUNK", 7)
    before = _index_names(db)
    assert "ix_contacts_child_kind_date" in before
    assert (
        lbc(
            "enroll",
            "赵六",
            "--gender",
            "M",
            "--birth",
            "2013-06-07",
            "--enrolled-on",
            "2024-01-01",
            "--village",
            "柳河村",
        ).code
        == 0
    )
    good = tmp_path / "good.csv"
    good.write_text(_contacts_csv([f"note {i}" for i in range(40)]), encoding="utf-8")
    assert lbc("import", "contacts", str(good)).code == 0
    assert _index_names(db) == before
    assert rows(db, "SELECT COUNT(*) FROM contacts") == [(40,)]
    plan = rows(db, "EXPLAIN QUERY PLAN SELECT MAX(date) FROM contacts WHERE child_id = 1 AND kind = 'home-visit'")
    assert "ix_contacts_child_kind_date" in " ".join(str(r) for r in plan)

    bad = tmp_path / "bad.csv"
    bad.write_text(_contacts_csv([f"more {i}" for i in range(40)]) + "99,phone-call,2026-03-01,parent,x\n", "utf-8")
    result = lbc("import", "contacts", str(bad))
    assert result.code == 1
    assert "bad.csv:42: child_id:" in result.err
    assert _index_names(db) == before
    assert rows(db, "SELECT COUNT(*) FROM contacts") == [(40,)]


def test_ids_and_uids_taken_are_named_by_row_across_chunks(lbc, db, monkeypatch, tmp_path):
    monkeypatch.setattr(importer, "CHUNK", 3)
    assert (
        lbc(
            "enroll",
            "钱七",
            "--gender",
            "F",
            "--birth",
            "2014-08-09",
            "--enrolled-on",
            "2024-01-01",
            "--village",
            "柳河村",
        ).code
        == 0
    )
    uid = "0b8e8c5e-8f4e-4a8e-9a57-3c1f8f6d2a11"
    lines = ["id,uid,child_id,kind,date"]
    lines += [f"{i},,1,home-visit,2026-02-0{i}" for i in range(1, 6)]
    lines.append(f"10,{uid},1,home-visit,2026-02-06")
    lines.append("3,,1,home-visit,2026-02-07")  # row 8: id 3 was row 4's
    lines.append(f"11,{uid.upper()},1,home-visit,2026-02-08")  # row 9: the same uid in capitals
    source = tmp_path / "c.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = lbc("import", "contacts", str(source))
    assert result.code == 1
    problems = [line.strip() for line in result.err.splitlines()[1:]]
    assert problems == [
        f"{source}:8: id: id 3 is taken",
        f"{source}:9: uid: this uid is already in the database or the file",
    ]
    assert rows(db, "SELECT COUNT(*) FROM contacts") == [(0,)]


def test_a_dry_run_checks_with_the_database_and_keeps_nothing(lbc, db, tmp_path):
    assert (
        lbc(
            "enroll",
            "孙八",
            "--gender",
            "M",
            "--birth",
            "2012-10-11",
            "--enrolled-on",
            "2024-01-01",
            "--village",
            "柳河村",
        ).code
        == 0
    )
    source = tmp_path / "c.csv"
    source.write_text("id,child_id,kind,date\n5,1,home-visit,2026-02-01\n5,1,home-visit,2026-02-02\n", "utf-8")
    result = lbc("import", "contacts", str(source), "--dry-run")
    assert result.code == 1 and f"{source}:3: id: id 5 is taken" in result.err
    source.write_text("id,child_id,kind,date\n5,1,home-visit,2026-02-01\n", "utf-8")
    assert lbc("import", "contacts", str(source), "--dry-run").code == 0
    assert rows(db, "SELECT COUNT(*) FROM contacts") == [(0,)]
    assert lbc("import", "contacts", str(source)).code == 0
    assert rows(db, "SELECT id FROM contacts") == [(5,)]


@given(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12)))
def test_a_hand_made_csv_field_is_what_csv_writer_writes_between_other_cells(text):
    """remind --format csv makes its lines itself: each text cell must read back exactly as the general path's."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(["1", lbc_io.csv_text(text), "x"])
    assert f"1,{lbc_io.csv_cell(text)},x\r\n" == buffer.getvalue()
    assert lbc_io.csv_cell(text) == _expected_cell(text)


def test_remind_csv_lines_read_back_as_its_json_rows(lbc, db):
    """remind --format csv against its JSON rows, names with commas, quotes and a formula."""
    for i, name in enumerate(["王,一", '李"二"', "=张三"]):
        args = ["enroll", name, "--gender", "F", "--birth", f"2015-01-0{i + 1}", "--consent-on", "2024-01-01"]
        assert lbc(*args, "--enrolled-on", "2024-01-01").code == 0, name
    assert lbc("helper", "add", "赵,老师", "--role", "volunteer").code == 0
    assert lbc("pair", "王,一", "赵,老师", "--since", "2024-01-01").code == 0
    as_of = ("--as-of", "2024-05-15")
    records = json.loads(lbc("remind", *as_of, "--format", "json").out)
    read = list(csv.DictReader(io.StringIO(lbc("remind", *as_of, "--format", "csv").out)))
    assert len(read) == len(records) > 3
    for got, want in zip(read, records, strict=True):
        want = {k: "" if v is None else str(v) for k, v in want.items()}
        # a formula-looking name gains the apostrophe a spreadsheet shows as text (SPEC: CSV is neutralised)
        want["name"] = "'=张三" if want["name"] == "=张三" else want["name"]
        assert got == want
    assert {r["name"] for r in read} >= {"王,一", '李"二"', "'=张三"}
    assert {r["helpers"] for r in read if r["name"] == "王,一"} == {"赵,老师"}


def test_a_bulk_import_of_contacts_gives_remind_each_childs_last_contacts(lbc, db, monkeypatch, tmp_path):
    """After a bulk load of contacts (its indexes dropped and built again), into an empty table and into one
    that holds some, and after a refused file, remind's facts hold each child's last days as worked out by
    hand from the contacts."""
    monkeypatch.setattr(importer, "BULK_ROWS", 10)
    monkeypatch.setattr(importer, "CHUNK", 7)
    for name in ("赵六", "钱七"):
        assert lbc("enroll", name, "--gender", "M", "--birth", "2013-06-07", "--enrolled-on", "2024-01-01").code == 0
    kinds = ["phone-call", "video-call", "parent-feedback", "home-visit", "school-visit"]
    whom = ["parent", "child", "parent", "guardian", "teacher"]

    def batch(start: int, n: int) -> str:
        lines = ["child_id,kind,date,with_whom,note"]
        for i in range(start, start + n):  # dates go back and forth: the last is not the last row
            lines.append(f"{1 + i % 2},{kinds[i % 5]},2026-03-{1 + (i * 7) % 28:02d},{whom[i % 5]},n{i}")
        return "\n".join(lines) + "\n"

    for start, n in ((0, 30), (30, 40)):  # into an empty table; then 40 more, as many as it held: bulk again
        path = tmp_path / f"contacts{start}.csv"
        path.write_text(batch(start, n), encoding="utf-8")
        assert lbc("import", "contacts", str(path)).code == 0
        assert last_days_in_facts(db) == last_days_by_hand(db) != {}
    kept = last_days_by_hand(db)
    bad = tmp_path / "bad.csv"
    bad.write_text(batch(70, 40) + "99,phone-call,2026-03-30,parent,x\n", encoding="utf-8")
    assert lbc("import", "contacts", str(bad)).code == 1
    assert last_days_in_facts(db) == kept
    assert lbc("log-contact", "2", "--kind", "home-visit", "--date", "2026-03-31").code == 0
    assert last_days_in_facts(db)[2][2] == "2026-03-31"
