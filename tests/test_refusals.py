"""The refusals of SPEC section 10 (issue 20 item 3) that are not about time in the programme: an exam of a term
whose final cannot have been sat yet, `child exit --reason aged-out` before the age limit, the same helper twice.
Each on its command, on `import` and on `merge`: exit 1, nothing written, one line naming the record by id with
masked values and saying what to do instead. The dates are worked out by hand from the rules."""

from datetime import date

import pytest
from conftest import copy_db, execute, rows

from lbc_cli import validate
from lbc_cli.errors import Invalid

TODAY = date.today()
CURRENT = TODAY.year if TODAY.month >= 9 else TODAY.year - 1  # the school year today is in (from 1 September)
ENROLLED = ["--enrolled-on", "2024-01-01", "--consent-on", "2024-01-01"]


def snapshot(db) -> dict:
    """Everything a refusal must leave as it was."""
    return {t: rows(db, f"SELECT * FROM {t} ORDER BY id") for t in ("children", "helpers", "exams", "audit_log")}


def ok(result):
    assert result.code == 0, result.err
    return result


def refused(result, *pieces: str) -> str:
    """A refusal: exit 1, nothing on stdout, one line on stderr holding ``pieces``, no traceback."""
    assert result.code == 1, (result.out, result.err)
    assert result.out == ""
    assert "Traceback" not in result.err
    [line] = result.err.splitlines()
    for piece in pieces:
        assert piece in line, line
    return line


# ---- an exam whose final cannot have been sat yet ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "term", "today", "sat"),
    [
        (2025, 1, date(2025, 12, 31), False),  # term 1 of 2025-2026: its final in January 2026
        (2025, 1, date(2026, 1, 1), True),
        (2025, 2, date(2026, 5, 31), False),  # term 2: its final from June 2026
        (2025, 2, date(2026, 6, 1), True),
        (2024, 2, date(2025, 12, 31), True),  # last year's term 2
    ],
)
def test_the_rule_of_the_finals_edges_worked_by_hand(year, term, today, sat):
    if sat:
        validate.check_exam_sat(year, term, today=today, child_id=7)
        return
    with pytest.raises(Invalid) as caught:
        validate.check_exam_sat(year, term, today=today, child_id=7)
    first = date(year + 1, 1, 1) if term == 1 else date(year + 1, 6, 1)
    assert caught.value.field == "term"
    assert caught.value.problem == (
        f"child 7: the final exam of term {term} of school year {year}-{year + 1} cannot have been sat before"
        f" {first.isoformat()}: record its rank from {first.isoformat()} on"
    )


def _terms_of_the_window():
    """(school year, term, the first day its final can have been sat) of the terms exam add takes by its year."""
    for year in (CURRENT - 1, CURRENT):
        for term in (1, 2):
            yield year, term, date(year + 1, 1, 1) if term == 1 else date(year + 1, 6, 1)


NOT_SAT = [(y, t, first) for y, t, first in _terms_of_the_window() if TODAY < first]
SAT = [(y, t, first) for y, t, first in _terms_of_the_window() if TODAY >= first]


@pytest.mark.parametrize(("year", "term", "first"), [*NOT_SAT, *SAT])
def test_exam_add_takes_a_term_only_once_its_final_can_have_been_sat(lbc, db, year, term, first):
    kid = int(ok(lbc("enroll", "张小明", "--gender", "M", "--birth", "2014-03-01", *ENROLLED)).out)
    before = snapshot(db)
    result = lbc("exam", "add", str(kid), "--year", str(year), "--term", str(term), "--rank", "3")
    if TODAY >= first:
        ok(result)
        assert rows(db, "SELECT child_id, school_year, term, class_rank FROM exams") == [(kid, year, term, 3)]
        return
    refused(result, f"child {kid}", f"term {term} of school year {year}-{year + 1}", f"from {first.isoformat()} on")
    assert snapshot(db) == before


@pytest.mark.skipif(not NOT_SAT, reason="June to August: every term of the school years exam add takes is over")
def test_exam_add_refusal_in_chinese_says_when_to_record_it(lbc, db):
    year, term, first = NOT_SAT[0]
    ok(lbc("enroll", "张小明", "--gender", "M", "--birth", "2014-03-01", *ENROLLED))
    result = lbc("--lang", "zh", "exam", "add", "张小明", "--year", str(year), "--term", str(term), "--rank", "3")
    line = refused(
        result, "儿童（编号 1）：", f"{year}–{year + 1} 学年第 {term} 学期", f"请在 {first.isoformat()} 以后再记"
    )
    assert "，" in line and "；" in line  # Chinese punctuation in a Chinese message


@pytest.mark.skipif(not NOT_SAT, reason="June to August: every term of the school years exam add takes is over")
def test_import_refuses_the_rows_of_a_term_not_sat_and_writes_nothing(lbc, db, tmp_path):
    year, term, first = NOT_SAT[0]
    kid = int(ok(lbc("enroll", "张小明", "--gender", "M", "--birth", "2014-03-01", *ENROLLED)).out)
    path = tmp_path / "exams.csv"
    path.write_text(
        f"child_id,school_year,term,class_rank\n{kid},{CURRENT - 2},2,5\n{kid},{year},{term},4\n", encoding="utf-8"
    )
    before = snapshot(db)
    result = lbc("import", "exams", str(path))
    assert result.code == 1 and result.out == ""
    assert f"{path}:3: term: child {kid}: the final exam of term {term}" in result.err
    assert f"{path}:2" not in result.err  # the good row is not named, and not written either
    assert snapshot(db) == before


@pytest.mark.skipif(not NOT_SAT, reason="June to August: every term of the school years exam add takes is over")
def test_merge_refuses_their_exam_of_a_term_not_sat(run, db, tmp_path):
    year, term, _first = NOT_SAT[0]
    assert run("enroll", "张小明", "--gender", "M", "--birth", "2014-03-01", *ENROLLED, db=db).code == 0
    other = copy_db(db, tmp_path / "other.db")
    ok(run("exam", "add", "张小明", "--year", str(CURRENT - 2), "--term", "2", "--rank", "5", db=other))
    execute(other, "UPDATE exams SET school_year = ?, term = ?", year, term)  # behind lbc's back
    uid = rows(other, "SELECT uid FROM exams")[0][0]
    before = snapshot(db)
    result = run("merge", str(other), db=db)
    assert result.code == 1 and result.out == ""
    assert f"exams uid {uid}: term: child 1: the final exam of term {term} of school year {year}" in result.err
    assert snapshot(db) == before


# ---- aged-out before the age limit ------------------------------------------------------------------------------

# born 10 May 2010: 16 (the default age_limit) on 10 May 2026, 15 on 10 May 2025
BORN = "2010-05-10"


def _the_child(lbc) -> int:
    return int(ok(lbc("enroll", "王大强", "--gender", "M", "--birth", BORN, *ENROLLED)).out)


def test_aged_out_the_day_before_the_age_limit_is_refused_and_on_the_day_taken(lbc, db):
    kid = _the_child(lbc)
    before = snapshot(db)
    result = lbc("child", "exit", str(kid), "--reason", "aged-out", "--date", "2026-05-09")
    refused(result, f"child {kid}", "on 2026-05-09 the child is not yet 16", "turns 16 on 2026-05-10", "another reason")
    assert snapshot(db) == before
    zh = lbc("--lang", "zh", "child", "exit", str(kid), "--reason", "年满退出", "--date", "2026-05-09")
    refused(zh, f"儿童（编号 {kid}）：", "还未满 16 周岁", "请选择其他退出原因，或在 2026-05-10 以后再退出")
    ok(lbc("child", "exit", str(kid), "--reason", "aged-out", "--date", "2026-05-10"))
    assert rows(db, "SELECT status, exit_reason, exit_date FROM children") == [("exited", "aged-out", "2026-05-10")]


def test_another_reason_before_the_age_limit_is_taken(lbc, db):
    kid = _the_child(lbc)
    ok(lbc("child", "exit", str(kid), "--reason", "moved", "--date", "2025-05-09"))
    assert rows(db, "SELECT status, exit_reason, exit_date FROM children") == [("exited", "moved", "2025-05-09")]


def test_the_age_limit_is_the_setting(lbc, db):
    kid = _the_child(lbc)
    ok(lbc("config", "set", "age_limit", "15"))
    refused(lbc("child", "exit", str(kid), "--reason", "aged-out", "--date", "2025-05-09"), "not yet 15")
    ok(lbc("child", "exit", str(kid), "--reason", "aged-out", "--date", "2025-05-10"))


def test_import_refuses_a_child_aged_out_before_the_limit(lbc, db, tmp_path):
    path = tmp_path / "children.csv"
    header = "name,gender,birth_date,enrolled_on,consent_on,status,exit_reason,exit_date"
    path.write_text(
        f"{header}\n王大强,M,{BORN},2024-01-01,2024-01-01,exited,aged-out,2026-05-09\n"
        f"李小刚,M,{BORN},2024-01-01,2024-01-01,exited,aged-out,2026-05-10\n",
        encoding="utf-8",
    )
    before = snapshot(db)
    result = lbc("import", "children", str(path))
    assert result.code == 1 and result.out == ""
    assert f"{path}:2: exit_reason: on 2026-05-09 the child is not yet 16 (it turns 16 on 2026-05-10)" in result.err
    assert f"{path}:3" not in result.err
    assert snapshot(db) == before


def test_merge_refuses_their_child_aged_out_before_the_limit(run, db, tmp_path):
    other = copy_db(db, tmp_path / "other.db")
    ok(run("enroll", "王大强", "--gender", "M", "--birth", BORN, *ENROLLED, db=other))
    ok(run("child", "exit", "王大强", "--reason", "aged-out", "--date", "2026-05-10", db=other))
    execute(other, "UPDATE children SET exit_date = '2026-05-09'")  # behind lbc's back
    uid = rows(other, "SELECT uid FROM children")[0][0]
    before = snapshot(db)
    result = run("merge", str(other), db=db)
    assert result.code == 1 and result.out == ""
    assert f"children uid {uid}: exit_reason: on 2026-05-09 the child is not yet 16" in result.err
    assert snapshot(db) == before


# ---- the same helper twice --------------------------------------------------------------------------------------

PHONE = "13812345678"


def test_a_helper_with_the_same_name_and_phone_is_refused_unless_forced(lbc, db):
    first = int(ok(lbc("helper", "add", "王老师", "--role", "class-teacher", "--phone", PHONE)).out)
    before = snapshot(db)
    line = refused(
        lbc("helper", "add", "王老师", "--role", "volunteer", "--phone", PHONE), f"id {first}", "138****5678", "--force"
    )
    assert PHONE not in line
    assert snapshot(db) == before
    zh = lbc("--lang", "zh", "helper", "add", "王老师", "--role", "volunteer", "--phone", PHONE)
    refused(zh, f"帮扶人 王老师（编号 {first}，电话 138****5678）", "确是另一人时加 --force")
    forced = ok(lbc("helper", "add", "王老师", "--role", "volunteer", "--phone", PHONE, "--force"))
    assert forced.err == ""
    assert rows(db, "SELECT name, phone FROM helpers ORDER BY id") == [("王老师", PHONE), ("王老师", PHONE)]


def test_the_same_name_with_another_phone_is_another_helper(lbc, db):
    ok(lbc("helper", "add", "王老师", "--role", "class-teacher", "--phone", PHONE))
    added = ok(lbc("helper", "add", "王老师", "--role", "class-teacher", "--phone", "13900001111"))
    assert added.err == ""  # both phones given, and they differ: no twin, no warning


def test_the_same_name_without_a_phone_is_warned_about(lbc, db):
    first = int(ok(lbc("helper", "add", "王老师", "--role", "class-teacher", "--phone", PHONE)).out)
    added = ok(lbc("helper", "add", "王老师", "--role", "class-teacher"))
    assert added.out == "2\n"
    [line] = added.err.splitlines()
    assert line.startswith("warning: ") and f"王老师 (id {first})" in line
    assert rows(db, "SELECT COUNT(*) FROM helpers") == [(2,)]


def test_helper_update_into_a_twin_is_refused_unless_forced(lbc, db):
    ok(lbc("helper", "add", "王老师", "--role", "class-teacher", "--phone", PHONE))
    ok(lbc("helper", "add", "李老师", "--role", "class-teacher", "--phone", PHONE))
    ok(lbc("helper", "add", "王老师", "--role", "volunteer", "--phone", "13900001111"))
    before = snapshot(db)
    refused(lbc("helper", "update", "李老师", "--name", "王老师"), "id 1", "138****5678")
    refused(lbc("helper", "update", "3", "--phone", PHONE), "id 1")
    assert snapshot(db) == before
    ok(lbc("helper", "update", "3", "--org", "第一小学"))  # no change of name or phone: no check
    ok(lbc("helper", "update", "李老师", "--name", "王老师", "--force"))
    assert rows(db, "SELECT name FROM helpers WHERE id = 2") == [("王老师",)]


def test_import_refuses_helper_twins_of_the_database_or_of_the_file_unless_forced(lbc, db, tmp_path):
    ok(lbc("helper", "add", "王老师", "--role", "class-teacher", "--phone", PHONE))
    path = tmp_path / "helpers.csv"
    path.write_text(
        "name,role,phone\n"
        f"王老师,volunteer,{PHONE}\n"  # row 2: the database's helper 1
        "赵老师,volunteer,13900001111\n"  # row 3
        "赵老师,volunteer,13900001111\n"  # row 4: row 3's twin
        "赵老师,volunteer,\n",  # row 5: a namesake without a phone, taken
        encoding="utf-8",
    )
    before = snapshot(db)
    result = lbc("import", "helpers", str(path))
    assert result.code == 1 and result.out == ""
    assert [line.strip() for line in result.err.splitlines()[1:]] == [
        f"{path}:2: phone: the same name and phone as helper 1 (use --force if this is another person)",
        f"{path}:4: phone: duplicates row 3 (use --force to import anyway)",
    ]
    assert PHONE not in result.err
    assert snapshot(db) == before
    ok(lbc("import", "helpers", str(path), "--force"))
    assert rows(db, "SELECT COUNT(*) FROM helpers") == [(5,)]


def test_merge_takes_their_helper_of_the_same_name_and_phone_as_the_same_helper(run, db, tmp_path):
    """A merge never adds a twin: their helper of the same name and phone is this database's (merge's own rule)."""
    ok(run("helper", "add", "王老师", "--role", "class-teacher", "--phone", PHONE, db=db))
    other = copy_db(db, tmp_path / "other.db")
    execute(other, "UPDATE helpers SET uid = '00000000-0000-4000-8000-000000000001'")  # another uid, same helper
    ok(run("merge", str(other), db=db))
    assert rows(db, "SELECT name, phone FROM helpers") == [("王老师", PHONE)]
