"""A child's time in the programme and a helper's days in post (SPEC section 10; issue 20 items 1-3): the exits
table, `child reenter`, `helper update --inactive/--active`, and the refusals on the commands, import and merge.

Every expected value is worked out by hand from the spec's rules. The world:

    child 1  张三  born 2015-05-01, enrolled 2024-03-01, paired with 李妈妈 (helper 1) from 2024-03-01
    child 2  李四  born 2014-03-10, enrolled 2024-03-01, paired with 李妈妈 from 2024-03-01
    helper 1 李妈妈 loving-mother;  helper 2 王老师 class-teacher

"In the programme on D": enrolled on or before D, and D not after an exit date (through it: the exit date is the
last day in) nor inside a time out (after its exit date, before its re-entry date). 张三 leaves after 2024-06-30
and comes back on 2024-09-01: out from 2024-07-01 to 2024-08-31.
"""

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from conftest import copy_db, execute, new_target, rows

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def world(lbc):
    for args in (
        ["enroll", "张三", "--gender", "M", "--birth", "2015-05-01", "--enrolled-on", "2024-03-01"],
        ["enroll", "李四", "--gender", "F", "--birth", "2014-03-10", "--enrolled-on", "2024-03-01"],
        ["helper", "add", "李妈妈", "--role", "loving-mother"],
        ["helper", "add", "王老师", "--role", "class-teacher"],
        ["pair", "1", "1", "--since", "2024-03-01"],
        ["pair", "2", "1", "--since", "2024-03-01"],
    ):
        result = lbc("--lang", "en", *args)
        assert result.code == 0, (args, result.err)
    return lbc


def en(lbc, *args):
    return lbc("--lang", "en", *args)


def out_and_back(lbc):
    """张三 leaves after 2024-06-30 (moved) and is back on 2024-09-01."""
    assert en(lbc, "child", "exit", "1", "--reason", "moved", "--date", "2024-06-30").code == 0
    result = en(lbc, "child", "reenter", "1", "--date", "2024-09-01")
    assert result.code == 0, result.err
    return result


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def reminded(lbc, as_of: str) -> dict[str, dict[str, tuple[str, str]]]:
    """remind on ``as_of``: child id -> rule -> (due date, days overdue)."""
    result = en(lbc, "remind", "--as-of", as_of, "--format", "csv")
    assert result.code in (0, 4), result.err
    found: dict = {}
    for row in csv_rows(result.out):
        if row["child_id"]:
            found.setdefault(row["child_id"], {})[row["rule"]] = (row["due_date"], row["days_overdue"])
    return found


def one_line_refusal(result, *needles: str) -> None:
    assert result.code == 1, result.err
    assert result.out == ""
    assert result.err.count("\n") == 1, result.err
    for needle in needles:
        assert needle in result.err, result.err


# ---- exit and re-entry --------------------------------------------------------------------------


def test_exit_writes_a_row_of_exits_and_reentry_closes_it(world, db):
    assert en(world, "child", "exit", "1", "--reason", "moved", "--date", "2024-06-30").code == 0
    assert rows(db, "SELECT id, child_id, exit_date, exit_reason, reentered_on FROM exits") == [
        (1, 1, "2024-06-30", "moved", None)
    ]
    result = en(world, "child", "reenter", "张三", "--date", "2024-09-01")
    assert result.code == 0, result.err
    assert "back in the programme on 2024-09-01" in result.err
    assert "no helper" in result.err  # its pairing ended with the exit: it needs one again
    assert rows(db, "SELECT child_id, exit_date, exit_reason, reentered_on FROM exits") == [
        (1, "2024-06-30", "moved", "2024-09-01")
    ]
    assert rows(db, "SELECT status, exit_reason, exit_date FROM children WHERE id = 1") == [("active", None, None)]
    exported = en(world, "export", "exits")
    assert exported.code == 0, exported.err
    uid = rows(db, "SELECT uid FROM exits")[0][0]
    assert (
        exported.out
        == f"id,uid,child_id,exit_date,exit_reason,reentered_on\r\n1,{uid},1,2024-06-30,moved,2024-09-01\r\n"
    )


def test_leaving_again_opens_a_second_time_out(world, db):
    out_and_back(world)
    assert en(world, "child", "exit", "1", "--reason", "parents-returned", "--date", "2024-12-31").code == 0
    assert rows(db, "SELECT child_id, exit_date, exit_reason, reentered_on FROM exits ORDER BY id") == [
        (1, "2024-06-30", "moved", "2024-09-01"),
        (1, "2024-12-31", "parents-returned", None),
    ]
    assert rows(db, "SELECT status, exit_reason, exit_date FROM children WHERE id = 1") == [
        ("exited", "parents-returned", "2024-12-31")
    ]


@pytest.mark.parametrize("date_args", [[], ["--date", "2024-06-30"]], ids=["no-date", "exit-date"])
def test_reenter_with_no_date_or_the_exit_date_undoes_the_exit_leaving_only_the_audit_log(world, db, date_args):
    assert en(world, "child", "exit", "1", "--reason", "moved", "--date", "2024-06-30").code == 0
    assert rows(db, "SELECT end_date FROM pairings WHERE child_id = 1") == [("2024-06-30",)]
    result = en(world, "child", "reenter", "1", *date_args)
    assert result.code == 0, result.err
    assert "undid the exit" in result.err and "1 pairings ended by the exit are in force again" in result.err
    assert rows(db, "SELECT count(*) FROM exits") == [(0,)]
    assert rows(db, "SELECT status, exit_reason, exit_date FROM children WHERE id = 1") == [("active", None, None)]
    assert rows(db, "SELECT end_date FROM pairings WHERE child_id = 1") == [(None,)]
    # as if it never left: in on 2024-07-15, no unpaired reminder
    assert "unpaired" not in reminded(world, "2024-07-15")["1"]
    # the audit log keeps it: the row of exits added, then deleted
    assert rows(db, "SELECT action FROM audit_log WHERE table_name = 'exits' ORDER BY id") == [("insert",), ("delete",)]


def test_an_exit_before_the_last_return_is_refused(world, db):
    out_and_back(world)
    result = en(world, "child", "exit", "1", "--reason", "moved", "--date", "2024-08-15")
    assert result.code == 1 and "2024-09-01" in result.err
    assert rows(db, "SELECT count(*) FROM exits") == [(1,)]


def test_reenter_refusals_say_what_to_do_and_write_nothing(world, db):
    one_line_refusal(en(world, "child", "reenter", "2"), "child 2", "in the programme")
    assert en(world, "child", "exit", "1", "--reason", "moved", "--date", "2024-06-30").code == 0
    before = rows(db, "SELECT count(*) FROM audit_log")
    one_line_refusal(en(world, "child", "reenter", "1", "--date", "2024-06-29"), "child 1", "2024-06-30")
    assert rows(db, "SELECT count(*) FROM audit_log") == before
    assert rows(db, "SELECT reentered_on FROM exits") == [(None,)]
    zh = world("--lang", "zh", "child", "reenter", "1", "--date", "2024-06-29")
    assert zh.code == 1 and "；" in zh.err  # Chinese punctuation in Chinese


# ---- in the programme: counts, reminders, scores -------------------------------------------------


def test_reminders_through_the_exit_day_none_in_the_time_out_and_again_from_the_return(world, db):
    assert en(world, "log-contact", "1", "--kind", "video-call", "--date", "2024-06-25").code == 0
    out_and_back(world)
    # on its exit day the child is still in: the care agreement (never recorded) is due from enrolment
    assert reminded(world, "2024-06-30")["1"]["care-agreement"] == ("2024-03-01", "121")
    # in the time out: nothing of it anywhere
    for day in ("2024-07-01", "2024-07-15", "2024-08-31"):
        assert "1" not in reminded(world, day), day
        assert "2" in reminded(world, day)
    # back on 2024-09-01: its care starts again from that day, as from an enrolment (the call of 2024-06-25 was
    # before it left: it counts no more); no helper since the exit ended the pairing
    back = reminded(world, "2024-09-01")["1"]
    assert back["video-call"] == ("2024-09-01", "0")
    assert back["unpaired"] == ("2024-09-01", "0")
    assert back["care-agreement"] == ("2024-09-01", "0")
    assert "record-review" not in back  # reviewed again from 2024-09-01: due 180 days on


def test_counts_leave_the_time_out_out(world):
    out_and_back(world)

    def children_on(day: str) -> int:
        result = en(world, "report", "plan", "--as-of", day, "--format", "json")
        assert result.code == 0, result.err
        return json.loads(result.out)["children_active"]

    assert [children_on(d) for d in ("2024-06-30", "2024-07-01", "2024-08-31", "2024-09-01")] == [2, 1, 1, 2]


def test_the_score_leaves_out_a_child_out_of_the_programme_when_term_2_ended(world):
    for child in ("1", "2"):
        for term, rank in ((1, "10"), (2, "5")):
            result = en(world, "exam", "add", child, "--year", "2024", "--term", str(term), "--rank", rank,
                        "--class-size", "40")  # fmt: skip
            assert result.code == 0, result.err

    def scored() -> list[str]:
        result = en(world, "score", "--year", "2024", "--view", "children", "--format", "csv", "--as-of", "2025-12-01")
        assert result.code == 0, result.err
        return sorted(row["child_id"] for row in csv_rows(result.out))

    assert scored() == ["1", "2"]
    # 张三 out from 2025-06-16 to 2025-07-14: back before term 2 ended on 31 July 2025 (SPEC section 5; found from
    # outside: the roster was taken on 30 June), so assessed; 李四 out from 2025-07-02 to 2025-08-14: not
    assert en(world, "child", "exit", "1", "--reason", "moved", "--date", "2025-06-15").code == 0
    assert en(world, "child", "reenter", "1", "--date", "2025-07-15").code == 0
    assert en(world, "child", "exit", "2", "--reason", "moved", "--date", "2025-07-01").code == 0
    assert en(world, "child", "reenter", "2", "--date", "2025-08-15").code == 0
    assert scored() == ["1"]


# ---- contacts outside the child's time -----------------------------------------------------------


def test_a_contact_outside_the_childs_time_is_refused_naming_the_child(world, db):
    out_and_back(world)
    before = rows(db, "SELECT count(*) FROM contacts")
    one_line_refusal(
        en(world, "log-contact", "1", "--kind", "home-visit", "--date", "2024-07-15"),
        "张三 (id 1)",
        "2024-06-30",
        "2024-09-01",
    )
    one_line_refusal(
        en(world, "log-contact", "2", "--kind", "home-visit", "--date", "2024-02-29"), "id 2", "2024-03-01"
    )
    assert rows(db, "SELECT count(*) FROM contacts") == before
    for day in ("2024-03-01", "2024-06-30", "2024-09-01"):  # enrolment, the last day in, the first day back
        assert en(world, "log-contact", "1", "--kind", "home-visit", "--date", day).code == 0, day
    assert en(world, "child", "exit", "1", "--reason", "moved", "--date", "2024-12-31").code == 0
    one_line_refusal(
        en(world, "log-contact", "1", "--kind", "home-visit", "--date", "2025-01-01"), "id 1", "lbc child reenter 1"
    )
    zh = world("--lang", "zh", "log-contact", "1", "--kind", "home-visit", "--date", "2025-01-01")
    assert zh.code == 1 and "张三（编号 1）" in zh.err and "；" in zh.err


def test_a_village_contact_leaves_out_the_children_not_in_the_programme_that_day(world, db):
    for child in ("1", "2"):
        assert en(world, "child", "update", child, "--village", "李家村").code == 0
    out_and_back(world)
    result = en(world, "log-contact", "--village", "李家村", "--kind", "activity", "--date", "2024-07-15")
    assert result.code == 0, result.err
    assert rows(db, "SELECT child_id FROM contacts ORDER BY child_id") == [(2,)]  # 张三 was out that day


def write_csv(path: Path, header: str, *lines: str) -> str:
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return str(path)


def test_import_refuses_contacts_outside_each_childs_time_as_of_their_own_dates(world, db, tmp_path):
    out_and_back(world)
    file = write_csv(
        tmp_path / "contacts.csv",
        "child_id,kind,date",
        "1,home-visit,2024-06-30",
        "1,home-visit,2024-07-15",
        "2,home-visit,2024-02-01",
        "1,home-visit,2024-09-01",
    )
    result = en(world, "import", "contacts", file)
    assert result.code == 1
    assert f"{file}:3: date: child 张三 (id 1) was out of the programme after 2024-06-30 until 2024-09-01" in result.err
    assert f"{file}:4: date: child 李四 (id 2) was enrolled on 2024-03-01" in result.err
    assert ":2:" not in result.err and ":5:" not in result.err
    assert rows(db, "SELECT count(*) FROM contacts") == [(0,)]


def test_an_exit_or_a_return_that_would_leave_a_contact_or_a_pairing_outside_the_childs_time_is_refused(world, db):
    """Found from outside: an exit dated before the child's last contact, a return that leaves a contact inside
    the time out, or an exit before a pairing began left records outside the child's time (still counted, and
    the export no longer imported)."""
    assert en(world, "log-contact", "张三", "--kind", "home-visit", "--date", "2024-05-10").code == 0  # contact 1
    before = rows(db, "SELECT id, status, exit_date FROM children ORDER BY id")
    one_line_refusal(
        en(world, "child", "exit", "1", "--reason", "moved", "--date", "2024-05-09"),
        "child 1 has a contact after 2024-05-09 (id 1, 2024-05-10)",
        "lbc contact edit/delete",
    )
    assert en(world, "child", "exit", "1", "--reason", "moved", "--date", "2024-05-10").code == 0  # its last day
    assert en(world, "child", "reenter", "1").code == 0  # undone
    assert rows(db, "SELECT id, status, exit_date FROM children ORDER BY id") == before
    # out after 2024-04-30: a return on 2024-06-01 would leave the visit of 2024-05-10 in the time out
    assert en(world, "contact", "edit", "1", "--date", "2024-04-30").code == 0
    assert en(world, "child", "exit", "1", "--reason", "moved", "--date", "2024-04-30").code == 0
    assert en(world, "contact", "edit", "1", "--date", "2024-04-20").code == 0
    assert en(world, "pair", "2", "2", "--since", "2024-04-20").code == 0  # pairing 3 of 李四
    one_line_refusal(
        en(world, "child", "exit", "2", "--reason", "moved", "--date", "2024-04-19"),
        "child 2's pairing 3 began on 2024-04-20, after the exit date 2024-04-19",
    )


def test_undoing_an_exit_puts_back_only_the_pairings_the_exit_ended(world, db):
    """Found from outside: a pairing ended by `pair end` on the exit day came back when the exit was undone."""
    assert en(world, "pair", "1", "2", "--since", "2024-03-01").code == 0  # pairing 3: 张三 with 王老师
    assert en(world, "pair", "end", "1", "2", "--date", "2024-06-30").code == 0
    assert en(world, "child", "exit", "1", "--reason", "moved", "--date", "2024-06-30").code == 0  # ends pairing 1
    assert en(world, "child", "reenter", "1").code == 0
    assert rows(db, "SELECT id, end_date FROM pairings WHERE child_id = 1 ORDER BY id") == [
        (1, None),
        (3, "2024-06-30"),
    ]


def test_a_return_at_the_age_limit_is_refused(world, db):
    """Found from outside: a return is as an enrolment, and no child is enrolled at the age limit (16): 张三,
    born 2015-05-01, is 16 on 2031-05-01; the world's today is real, so the check is on the exit's side."""
    assert en(world, "child", "exit", "1", "--reason", "moved", "--date", "2024-06-30").code == 0
    world_db = rows(db, "SELECT status FROM children WHERE id = 1")
    assert world_db == [("exited",)]
    assert en(world, "config", "set", "age_limit", "9").code == 0  # 张三 is 9 on 2024-05-01
    one_line_refusal(en(world, "child", "reenter", "1", "--date", "2024-09-01"), "child 1 is 9 or older on 2024-09-01")
    assert rows(db, "SELECT status FROM children WHERE id = 1") == [("exited",)]


def test_import_of_exits_refuses_an_early_aged_out_and_a_time_out_over_a_stored_contact(world, db, tmp_path):
    """Found from outside: `import exits` took an aged-out exit of a 9-year-old and a time out over contacts
    already stored (the children import refused the first)."""
    assert en(world, "log-contact", "李四", "--kind", "home-visit", "--date", "2024-05-10").code == 0
    file = write_csv(
        tmp_path / "exits.csv",
        "child_id,exit_date,exit_reason,reentered_on",
        "1,2024-04-01,aged-out,2024-04-15",
        "2,2024-05-01,moved,2024-06-01",
        "2,2024-06-10,moved,2024-06-20",
    )
    result = en(world, "import", "exits", file)
    assert result.code == 1
    assert f"{file}:2: exit_reason: " in result.err and "2031-05-01" in result.err  # 张三 is 16 on 2031-05-01
    assert f"{file}:3: exit_date: child 2 has a contact inside this time out (id 1, 2024-05-10)" in result.err
    assert ":4:" not in result.err
    assert rows(db, "SELECT count(*) FROM exits") == [(0,)]


# ---- helpers inactive ----------------------------------------------------------------------------


def test_an_inactive_helpers_pairings_end_that_day_and_its_children_are_due_unpaired(world, db):
    result = en(world, "helper", "update", "1", "--inactive", "--date", "2024-10-01")
    assert result.code == 0, result.err
    assert "pairings ended on 2024-10-01 (2)" in result.err and "张三 (1)" in result.err and "李四 (2)" in result.err
    assert rows(db, "SELECT active, inactive_on FROM helpers WHERE id = 1") == [(0, "2024-10-01")]
    assert rows(db, "SELECT end_date FROM pairings ORDER BY id") == [("2024-10-01",), ("2024-10-01",)]
    assert "unpaired" not in reminded(world, "2024-09-30")["1"]
    # unpaired from the day its pairing ended (SPEC section 6): 2024-10-01, due that day
    assert reminded(world, "2024-10-01")["1"]["unpaired"] == ("2024-10-01", "0")
    exported = en(world, "export", "helpers")
    assert exported.out.splitlines()[0] == "id,uid,name,role,phone,organization,village,active,inactive_on"
    assert exported.out.splitlines()[1].endswith(",李妈妈,loving-mother,,,,0,2024-10-01")


def test_pairing_an_inactive_helper_is_refused_until_it_is_active_again(world, db):
    assert en(world, "helper", "update", "1", "--inactive", "--date", "2024-10-01").code == 0
    before = rows(db, "SELECT count(*) FROM pairings")
    # the helper named by name and id (issue 20's outside testers)
    named = "helper 李妈妈 (id 1)"
    one_line_refusal(en(world, "pair", "1", "1", "--since", "2024-10-05"), named, "lbc helper update 1 --active")
    one_line_refusal(en(world, "pair", "1", "1", "--since", "2024-09-15"), named)  # in force past 2024-10-01
    assert rows(db, "SELECT count(*) FROM pairings") == before
    zh = world("--lang", "zh", "pair", "1", "1", "--since", "2024-10-05")
    assert zh.code == 1 and "lbc helper update 1 --active" in zh.err and "；" in zh.err
    assert en(world, "helper", "update", "1", "--active").code == 0
    assert rows(db, "SELECT active, inactive_on FROM helpers WHERE id = 1") == [(1, None)]
    assert en(world, "pair", "1", "1", "--since", "2024-10-05").code == 0


def test_helper_update_date_without_inactive_is_a_usage_error(world):
    result = en(world, "helper", "update", "1", "--date", "2024-10-01")
    assert result.code == 2 and "--inactive" in result.err


def test_import_refuses_a_pairing_in_force_while_its_helper_is_inactive(world, db, tmp_path):
    assert en(world, "helper", "update", "2", "--inactive", "--date", "2024-10-01").code == 0
    file = write_csv(
        tmp_path / "pairs.csv",
        "child_id,helper_id,start_date,end_date",
        "1,2,2024-03-01,2024-10-01",
        "2,2,2024-03-01,",
    )
    result = en(world, "import", "pairs", file)
    assert result.code == 1
    assert (
        f"{file}:3: helper_id: helper 王老师 (id 2) is inactive from 2024-10-01" in result.err
        and ":2:" not in result.err
    )
    assert rows(db, "SELECT count(*) FROM pairings") == [(2,)]


# ---- merge ---------------------------------------------------------------------------------------


def test_merge_refuses_a_contact_in_a_time_out_and_a_pairing_with_an_inactive_helper(world, db, run, tmp_path):
    out_and_back(world)
    assert en(world, "helper", "update", "2", "--inactive", "--date", "2024-10-01").code == 0
    other = copy_db(db, tmp_path / "other.db")
    # the other file's own rows, written behind lbc's back: a contact in the time out, a pairing in force
    execute(other, "INSERT INTO contacts (uid, child_id, kind, date, no_answer) VALUES (?, 1, 'aid', ?, ?)",
            "00000000-0000-4000-8000-000000000001", "2024-08-01", False)  # fmt: skip
    execute(other, "INSERT INTO pairings (uid, child_id, helper_id, start_date) VALUES (?, 2, 2, ?)",
            "00000000-0000-4000-8000-000000000002", "2024-10-05")  # fmt: skip
    before = rows(db, "SELECT count(*) FROM contacts"), rows(db, "SELECT count(*) FROM pairings")
    result = run("--lang", "en", "merge", other, db=db)
    assert result.code == 1
    assert "contacts uid 00000000-0000-4000-8000-000000000001: date: child 张三 (id 1) was out" in result.err
    assert (
        "pairings uid 00000000-0000-4000-8000-000000000002: helper_id: helper 王老师 (id 2) is inactive" in result.err
    )
    assert (rows(db, "SELECT count(*) FROM contacts"), rows(db, "SELECT count(*) FROM pairings")) == before


def test_merge_brings_exits_and_inactive_on_exactly(world, db, run, tmp_path):
    target = new_target(tmp_path / "new.db")
    assert run("init", db=target).code == 0
    out_and_back(world)
    assert en(world, "helper", "update", "2", "--inactive", "--date", "2024-10-01").code == 0
    result = run("--lang", "en", "merge", db, db=target)
    assert result.code == 0, result.err
    for table in ("exits", "helpers", "children"):
        assert run("export", table, "--reveal", db=target).out == run("export", table, "--reveal", db=db).out, table


def test_exits_and_inactive_on_round_trip_through_export_and_import(world, db, run, tmp_path):
    out_and_back(world)
    assert en(world, "child", "exit", "2", "--reason", "other", "--date", "2024-11-30").code == 0
    assert en(world, "helper", "update", "2", "--inactive", "--date", "2024-10-01").code == 0
    target = new_target(tmp_path / "copy.db")
    assert run("init", db=target).code == 0
    for table in ("children", "helpers", "pairs", "exits"):
        path = tmp_path / f"{table}.jsonl"
        path.write_text(run("export", table, "--reveal", "--format", "jsonl", db=db).out, encoding="utf-8")
        result = run("import", table, str(path), db=target)
        assert result.code == 0, (table, result.err)
    for table in ("children", "helpers", "pairs", "exits"):
        for fmt in ("csv", "json", "jsonl"):
            mine = run("export", table, "--reveal", "--format", fmt, db=db).out
            assert run("export", table, "--reveal", "--format", fmt, db=target).out == mine, (table, fmt)


def test_import_refuses_an_open_exit_that_the_childs_record_contradicts(world, db, tmp_path):
    file = write_csv(
        tmp_path / "exits.csv",
        "child_id,exit_date,exit_reason,reentered_on",
        "1,2024-06-30,moved,",
        "1,2024-06-30,moved,2024-06-30",
        "1,2024-06-30,moved,2024-09-01",
    )
    result = en(world, "import", "exits", file)
    assert result.code == 1
    assert f"{file}:2: reentered_on: child 1 is active in its record" in result.err
    assert f"{file}:3: reentered_on: re-entry 2024-06-30 must be after the exit 2024-06-30" in result.err
    assert ":4:" not in result.err
    assert rows(db, "SELECT count(*) FROM exits") == [(0,)]


# ---- the upgrade ---------------------------------------------------------------------------------


@pytest.mark.sqlite_only("the released schema fixtures are SQLite files")
def test_the_upgrade_makes_one_exits_row_for_each_child_exited_now(run, tmp_path):
    path = tmp_path / "v5.db"
    path.write_bytes((ROOT / "tests" / "fixtures" / "schema_v5.db").read_bytes())
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE children SET status = 'exited', exit_reason = 'moved', exit_date = '2025-01-31'")
    result = run("child", "list", "--status", "exited", "--format", "csv", db=path)
    assert result.code == 0, result.err
    from lbc_cli.db import SCHEMA_VERSION

    assert f"upgraded the database from schema 5 to {SCHEMA_VERSION}" in result.err
    assert rows(path, "SELECT child_id, exit_date, exit_reason, reentered_on FROM exits") == [
        (1, "2025-01-31", "moved", None)
    ]
    assert rows(path, "SELECT inactive_on FROM helpers") == [(None,)]


def test_the_example_helper_who_moved_away_is_inactive_from_the_day_her_pairing_ended():
    assert rows(ROOT / "lbc.example.db", "SELECT active, inactive_on FROM helpers WHERE id = 12") == [(0, "2026-10-31")]
    assert rows(ROOT / "lbc.example.db", "SELECT child_id, exit_date, reentered_on FROM exits ORDER BY id") == [
        (36, "2026-11-01", None),
        (37, "2026-10-10", None),
    ]


def test_an_inactive_helper_made_inactive_again_is_refused_not_moved(world, db):
    """Found from outside: a second --inactive moved inactive_on to today while the pairings stayed ended on the
    first day."""
    assert en(world, "helper", "update", "1", "--inactive", "--date", "2024-10-01").code == 0
    one_line_refusal(
        en(world, "helper", "update", "1", "--inactive"),
        "helper 李妈妈 (id 1) is inactive from 2024-10-01 already",
        "--active first",
    )
    assert rows(db, "SELECT inactive_on FROM helpers WHERE id = 1") == [("2024-10-01",)]


def test_after_a_return_a_contact_from_before_the_exit_still_counts_but_nothing_is_due_before_the_return(world):
    """Found from outside (SPEC section 6: "never" counts from the re-entry date): 张三's parent feedback of
    2024-06-01 makes the next one due on 2024-07-01 though he was out from 2024-06-11 to 2024-06-19; his first
    video call was never made, so it is due from his return on 2024-06-20; 李四's feedback of 2024-03-05 would be
    due on 2024-04-04, inside a time out of hers, so it is due on her return."""
    for child, day in (("张三", "2024-06-01"), ("李四", "2024-03-05")):
        assert en(world, "log-contact", child, "--kind", "parent-feedback", "--date", day).code == 0
    assert en(world, "child", "exit", "1", "--reason", "moved", "--date", "2024-06-10").code == 0
    assert en(world, "child", "reenter", "1", "--date", "2024-06-20").code == 0
    assert en(world, "child", "exit", "2", "--reason", "moved", "--date", "2024-03-20").code == 0
    assert en(world, "child", "reenter", "2", "--date", "2024-06-20").code == 0
    due = reminded(world, "2024-06-25")
    assert "parent-feedback" not in due["1"]  # due 2024-07-01
    assert due["1"]["video-call"] == ("2024-06-20", "5")
    assert due["2"]["parent-feedback"] == ("2024-06-20", "5")


def test_merge_refuses_a_time_out_over_a_contact_here_and_an_aged_out_exit_too_early(world, db, run, tmp_path):
    """Found from outside: `merge` brought in a time out over a contact stored here, and an aged-out exit of a
    10-year-old, which `import exits` and `child exit` refuse."""
    assert en(world, "log-contact", "张三", "--kind", "home-visit", "--date", "2024-05-10").code == 0  # contact 1
    other = copy_db(db, tmp_path / "other.db")
    execute(other, "INSERT INTO exits (uid, child_id, exit_date, exit_reason, reentered_on) VALUES (?, 1, ?, ?, ?)",
            "00000000-0000-4000-8000-0000000000e1", "2024-05-01", "moved", "2024-06-01")  # fmt: skip
    execute(other, "INSERT INTO exits (uid, child_id, exit_date, exit_reason, reentered_on) VALUES (?, 2, ?, ?, ?)",
            "00000000-0000-4000-8000-0000000000e2", "2024-04-01", "aged-out", "2024-04-10")  # fmt: skip
    result = run("--lang", "en", "merge", other, db=db)
    assert result.code == 1
    assert (
        "exits uid 00000000-0000-4000-8000-0000000000e1: exit_date: child 1 has a contact inside this time out"
        " (id 1, 2024-05-10)" in result.err
    )
    assert "exits uid 00000000-0000-4000-8000-0000000000e2: exit_reason: " in result.err
    assert rows(db, "SELECT count(*) FROM exits") == [(0,)]


def test_reenter_and_helper_update_keep_their_reason_in_the_audit_log(world, db):
    """Found from outside: `child reenter` and `helper update --inactive` had no --reason (SPEC section 10: every
    correction is audited with the reason when given)."""
    assert en(world, "child", "exit", "1", "--reason", "moved", "--date", "2024-06-30").code == 0
    assert en(world, "child", "reenter", "1", "--reason", "退出记错了").code == 0
    assert en(world, "helper", "update", "2", "--inactive", "--date", "2024-10-01", "--reason", "调走").code == 0
    kept = rows(db, "SELECT table_name, action, reason FROM audit_log WHERE reason IS NOT NULL ORDER BY id")
    assert ("exits", "delete", "退出记错了") in kept and ("children", "update", "退出记错了") in kept
    assert ("helpers", "update", "调走") in kept
    assert rows(db, "SELECT count(*) FROM audit_log WHERE command = 'lbc child exit' AND reason IS NOT NULL") == [(0,)]


@pytest.mark.parametrize("gap", [0, 10_000], ids=["dense ids", "sparse ids"])
def test_every_childs_times_kept_compact_for_an_import_say_what_each_childs_own_times_say(gap):
    """programme.EveryChildTimes (an import's view of every child) against programme.times_of, child by child:
    usual children, one out now, one back from a time out, an id never used, and ids far apart."""
    from datetime import date

    from lbc_cli import programme

    children = [
        (1, "甲", "2025-09-01", "active", None),
        (2, "乙", "2025-09-02", "exited", "2026-03-01"),
        (4, "丙丙", "2025-09-01", "active", None),  # back from a time out
        (5 + gap, "丁", "2024-01-31", "active", None),
    ]
    exits = [(4, "2025-12-01", "2026-01-10")]

    def query(sql, params):
        if "FROM exits" in sql:
            return iter(exits)
        if "count(*)" in sql:
            return iter([(len(children), max(c[0] for c in children))])
        return iter(children)

    compact, whole = programme.EveryChildTimes(query), programme.times_of(query)
    for child_id in (0, 1, 2, 3, 4, 5, 5 + gap, 6 + gap, None, "1"):
        assert compact.get(child_id) == whole.get(child_id), child_id
        assert (child_id in compact) == (child_id in whole), child_id
    assert compact.plain_since(1) == (date(2025, 9, 1) if not gap else None)  # sparse: every child by get
    assert compact.plain_since(4) is None
    assert compact.get(5 + gap) == programme.Times(5 + gap, "丁", date(2024, 1, 31), None, ())
