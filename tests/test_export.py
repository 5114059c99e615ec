"""lbc export: the spec's columns, masking unless --reveal, formula neutralising, CSV and JSON."""

import csv
import io
import json
import os

import pytest
from conftest import rows

CHILD_COLUMNS = (
    "id,uid,name,gender,ethnicity,birth_date,id_number,village,village_group,address,school,grade,class_name,"
    "schooling,boarding,health,guardian_name,guardian_relation,guardian_phone,guardian_rating,care_agreement_on,"
    "consent_on,father_away,father_work_place,father_phone,mother_away,mother_work_place,mother_phone,flags,"
    "assistance,hobbies,family_notes,status,exit_reason,exit_date,enrolled_on,reviewed_on"
).split(",")
SPEC_COLUMNS = {
    "helpers": "id,uid,name,role,phone,organization,village,active".split(","),
    "pairs": "id,uid,child_id,helper_id,start_date,end_date,note".split(","),
    "contacts": "id,uid,child_id,helper_id,kind,date,with_whom,minutes,note,follow_up_date".split(","),
    "exams": "id,uid,child_id,school_year,term,class_rank,class_size,total_score,merit_student,serious_violation".split(
        ","
    ),
}

# A valid id number, worked by hand: 11010520150304001? weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
# digits 1 1 0 1 0 5 2 0 1 5 0 3 0 4 0 0 1 -> 7+9+0+5+0+20+4+0+6+15+0+27+0+20+0+0+2 = 115; 115 % 11 = 5 -> '7'
ID_NUMBER = "110105201503040017"


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def child(lbc):
    result = lbc(
        "enroll", "张小明", "--gender", "M", "--birth", "2015-03-04", "--village", "李家村",
        "--id-number", ID_NUMBER, "--guardian-phone", "13812345678", "--flag", "独居", "--flag", "hardship",
        "--boarding", "--hobbies", "=SUM(A1:A9)", "--note", "'+already quoted", "--enrolled-on", "2026-09-01",
    )  # fmt: skip
    assert result.code == 0, result.err
    return int(result.out)


def test_children_csv_has_the_spec_columns_masked_and_neutralised(lbc, child):
    result = lbc("export", "children")
    assert result.code == 0, result.err
    header = result.out.splitlines()[0]
    assert header.split(",") == CHILD_COLUMNS
    [row] = _csv(result.out)
    assert row["id"] == str(child)
    assert row["name"] == "张小明" and row["gender"] == "M" and row["birth_date"] == "2015-03-04"
    assert row["id_number"] == "110" + "*" * 11 + "0017"
    assert row["guardian_phone"] == "138****5678"
    assert row["flags"] == "hardship;lives-alone"  # catalog order, ';'-joined slugs
    assert row["boarding"] == "1" and row["father_away"] == "1" and row["mother_away"] == "1"
    assert row["exit_date"] == "" and row["father_phone"] == ""
    assert row["hobbies"] == "'=SUM(A1:A9)"
    # a cell already starting with a quote before a trigger gets one more, so import can strip exactly one
    assert row["family_notes"] == "''+already quoted"
    assert result.err == ""


def test_reveal_shows_numbers_and_json_is_never_altered(lbc, child):
    revealed = _csv(lbc("export", "children", "--reveal").out)[0]
    assert revealed["id_number"] == ID_NUMBER and revealed["guardian_phone"] == "13812345678"
    data = json.loads(lbc("export", "children", "--format", "json", "--reveal").out)
    assert isinstance(data, list) and list(data[0]) == CHILD_COLUMNS
    assert data[0]["hobbies"] == "=SUM(A1:A9)"
    assert data[0]["family_notes"] == "'+already quoted"
    assert data[0]["id"] == child and data[0]["grade"] is None
    masked = json.loads(lbc("export", "children", "--format", "json").out)[0]
    assert masked["guardian_phone"] == "138****5678"
    lines = lbc("export", "children", "--format", "jsonl").out.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["name"] == "张小明"


@pytest.mark.parametrize("table", ["helpers", "pairs", "contacts", "exams"])
def test_every_table_exports_the_spec_columns(run, new_db, table):
    path = new_db("demo.db")
    assert run("init", "--example", db=path).code == 0
    result = run("export", table, db=path)
    assert result.code == 0, result.err
    header = result.out.splitlines()[0].split(",")
    assert header[: len(SPEC_COLUMNS[table])] == SPEC_COLUMNS[table]
    db_table = {"pairs": "pairings"}.get(table, table)
    assert len(_csv(result.out)) == rows(path, f"SELECT count(*) FROM {db_table}")[0][0]


def test_out_file_bom_and_mode(lbc, child, tmp_path):
    target = tmp_path / "名单.csv"
    result = lbc("export", "children", "--bom", "--out", str(target))
    assert result.code == 0 and result.out == ""
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines()[0].split(",") == CHILD_COLUMNS
    assert os.stat(target).st_mode & 0o777 == 0o600
    assert "1" in result.err  # the count is reported on stderr


def test_unknown_table_and_format_are_usage_errors(lbc):
    assert lbc("export", "parents").code == 2
    assert lbc("export", "children", "--format", "xml").code == 2
