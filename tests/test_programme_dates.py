"""Dates that cannot be true, found by outside testers (issue 20, the `dates` fixes): a later enrolment date, a
backdated deactivation, pairings before the enrolment or through a time out, a purged child's return, and a
village filter that matches nothing.

Every expected value is worked out by hand from SPEC section 10's rules. The world:

    child 1  张三  born 2015-05-01, enrolled 2024-03-01, 村 东庄村, school 镇中心小学 class 1班
    child 2  李四  born 2014-03-10, enrolled 2024-03-01, 村 东庄村
    helper 1 李妈妈 loving-mother;  helper 2 王老师 class-teacher
    pairing 1: 张三 with 李妈妈 from 2024-03-05;  contact 1: 张三 on 2024-03-10

A child is in the programme from its enrolment through its exit date and again from its re-entry date; a
pairing is in force from its start up to (not on) its end date; a pairing ends on the child's exit date at the
latest (`child exit` ends them so) and a pairing in force again after a re-entry is a new one from that day.
"""

import pytest
from conftest import copy_db, execute, rows


@pytest.fixture
def world(lbc):
    for args in (
        ["enroll", "张三", "--gender", "M", "--birth", "2015-05-01", "--enrolled-on", "2024-03-01",
         "--village", "东庄村", "--school", "镇中心小学", "--class", "1班"],
        ["enroll", "李四", "--gender", "F", "--birth", "2014-03-10", "--enrolled-on", "2024-03-01",
         "--village", "东庄村"],
        ["helper", "add", "李妈妈", "--role", "loving-mother"],
        ["helper", "add", "王老师", "--role", "class-teacher"],
        ["pair", "1", "1", "--since", "2024-03-05"],
        ["log-contact", "1", "--kind", "home-visit", "--date", "2024-03-10"],
    ):  # fmt: skip
        result = lbc("--lang", "en", *args)
        assert result.code == 0, (args, result.err)
    return lbc


def en(lbc, *args):
    return lbc("--lang", "en", *args)


def zh(lbc, *args):
    return lbc("--lang", "zh", *args)


def refused(result, *needles: str) -> None:
    """Exit 1, nothing on stdout, one line on stderr holding each of ``needles``."""
    assert result.code == 1, (result.out, result.err)
    assert result.out == ""
    assert result.err.count("\n") == 1, result.err
    for needle in needles:
        assert needle in result.err, result.err


def chinese(result) -> None:
    """A Chinese message: Chinese punctuation, no ASCII colon or semicolon between its clauses."""
    text = result.err.split("错误:", 1)[-1] if "错误:" in result.err else result.err
    assert "；" in text and ";" not in text, result.err


# ---- 1. a later enrolment date -----------------------------------------------------------------------------


def test_a_later_enrolment_is_refused_naming_the_earliest_record_before_it(world, db):
    # the pairing (2024-03-05) comes before the contact (2024-03-10): it is the one named
    result = en(world, "child", "update", "1", "--enrolled-on", "2024-03-20")
    refused(result, "pairing 1 from 2024-03-05", "2024-03-20", "lbc pair update 1 --since", "lbc pair delete 1")
    assert [str(r[0]) for r in rows(db, "SELECT enrolled_on FROM children WHERE id = 1")] == ["2024-03-01"]
    # on the pairing's start day itself: in the programme that day, accepted
    assert en(world, "child", "update", "1", "--enrolled-on", "2024-03-05").code == 0
    # the pairing moved later, the contact of 2024-03-10 is the earliest before 2024-03-12
    assert en(world, "pair", "update", "1", "--since", "2024-03-11").code == 0
    result = zh(world, "child", "update", "1", "--enrolled-on", "2024-03-12")
    refused(result, "联系记录 1（2024-03-10）", "lbc contact edit 1 --date", "lbc contact delete 1")
    chinese(result)
    # an earlier enrolment is never refused by its records
    assert en(world, "child", "update", "1", "--enrolled-on", "2024-02-01").code == 0


def test_a_later_enrolment_after_an_exit_is_refused_naming_the_exit(world, db):
    assert en(world, "child", "exit", "2", "--reason", "moved", "--date", "2024-04-30").code == 0
    assert en(world, "child", "reenter", "2", "--date", "2024-06-01").code == 0
    (exit_id,) = rows(db, "SELECT id FROM exits WHERE child_id = 2")[0]
    result = en(world, "child", "update", "2", "--enrolled-on", "2024-05-01")
    refused(result, f"exit {exit_id} on 2024-04-30", "2024-04-30 or earlier")
    assert rows(db, "SELECT status FROM children WHERE id = 2") == [("active",)]
    # exams are of a school year's term, not a day: a later enrolment in the same school year keeps them
    assert en(world, "exam", "add", "2", "--year", "2023", "--term", "1", "--rank", "3").code == 0
    assert en(world, "child", "update", "2", "--enrolled-on", "2024-04-30").code == 0


# ---- 2. a backdated deactivation, a pairing's start in the helper's inactive time --------------------------------


def test_a_backdated_deactivation_before_a_pairings_start_is_refused(world, db):
    assert en(world, "pair", "1", "2", "--since", "2024-05-10").code == 0  # pairing 2
    for day in ("2024-05-01", "2024-05-10"):  # before its start, and on it (a pairing of no day)
        result = en(world, "helper", "update", "2", "--inactive", "--date", day)
        refused(result, "pairing 2 starting on 2024-05-10", "lbc pair update 2 --since", "lbc pair delete 2")
    assert rows(db, "SELECT active, inactive_on FROM helpers WHERE id = 2") == [(1, None)]
    assert rows(db, "SELECT end_date FROM pairings WHERE id = 2") == [(None,)]
    result = zh(world, "helper", "update", "2", "--inactive", "--date", "2024-05-01")
    refused(result, "王老师（编号 2）的结对 2 从 2024-05-10 开始")
    chinese(result)
    # after its start: the pairing ends that day, as before
    assert en(world, "helper", "update", "2", "--inactive", "--date", "2024-05-20").code == 0
    assert [str(r[0]) for r in rows(db, "SELECT end_date FROM pairings WHERE id = 2")] == ["2024-05-20"]


def test_a_pairing_moved_into_the_helpers_inactive_time_is_refused(world, db):
    assert en(world, "pair", "1", "2", "--since", "2024-05-10").code == 0  # pairing 2
    assert en(world, "helper", "update", "2", "--inactive", "--date", "2024-05-20").code == 0
    # a start on the inactive day: the pairing would lie wholly in the helper's inactive time
    result = en(world, "pair", "update", "2", "--since", "2024-05-20")
    refused(result, "helper 王老师 (id 2) is inactive from 2024-05-20", "a pairing from 2024-05-20")
    assert [str(r[0]) for r in rows(db, "SELECT start_date FROM pairings WHERE id = 2")] == ["2024-05-10"]
    assert en(world, "pair", "update", "2", "--since", "2024-05-15").code == 0


def test_pairing_an_inactive_helper_says_the_pairing_would_be_in_force_when_it_is_not_in_post(world, db):
    assert en(world, "helper", "update", "2", "--inactive", "--date", "2024-07-31").code == 0
    result = zh(world, "pair", "2", "2", "--since", "2024-07-01")
    refused(
        result,
        "帮扶人 王老师（编号 2）自 2024-07-31 起不在岗，这个结对会在其不在岗的日子仍然有效",
        "lbc pair update 结对编号 --until 2024-07-31",
        "lbc helper update 2 --active",
    )
    chinese(result)
    result = en(world, "pair", "2", "2", "--since", "2024-07-01")
    refused(result, "helper 王老师 (id 2)", "would still be in force on days the helper is not in post")
    assert rows(db, "SELECT count(*) FROM pairings") == [(1,)]


# ---- 3. pairings before the enrolment, through a time out ---------------------------------------------------------


def test_a_pairing_before_the_enrolment_is_refused_everywhere(world, db, tmp_path):
    enrolled = "child 李四 (id 2) was enrolled on 2024-03-01: a pairing cannot start earlier, on 2024-02-01"
    refused(en(world, "pair", "2", "1", "--since", "2024-02-01"), enrolled)
    refused(en(world, "pair", "--class", "镇中心小学/1班", "王老师", "--since", "2024-02-01"), "张三 (id 1)")
    refused(en(world, "pair", "update", "1", "--since", "2024-02-20"), "child 张三 (id 1) was enrolled on 2024-03-01")
    file = tmp_path / "pairs.csv"
    file.write_text("child_id,helper_id,start_date,end_date\n2,1,2024-02-01,\n", encoding="utf-8")
    result = en(world, "import", "pairs", str(file))
    assert result.code == 1 and f"{file}:2: start_date: {enrolled}" in result.err
    assert rows(db, "SELECT count(*) FROM pairings") == [(1,)]
    assert [str(r[0]) for r in rows(db, "SELECT start_date FROM pairings")] == ["2024-03-05"]


def test_a_pairing_is_never_in_force_in_a_time_out(world, db):
    # 张三 leaves after 2024-06-30 (pairing 1 ended that day) and is back on 2024-09-01
    assert en(world, "child", "exit", "1", "--reason", "moved", "--date", "2024-06-30").code == 0
    assert en(world, "child", "reenter", "1", "--date", "2024-09-01").code == 0
    out = "child 张三 (id 1) was out of the programme after 2024-06-30 until 2024-09-01"
    refused(en(world, "pair", "update", "1", "--until", ""), out)  # re-opened through the time out
    refused(en(world, "pair", "update", "1", "--until", "2024-07-15"), out)  # ended inside it
    refused(en(world, "pair", "1", "2", "--since", "2024-08-01"), out, "--since 2024-09-01")  # begun inside it
    refused(en(world, "pair", "1", "2", "--since", "2024-06-01"), out)  # begun before it, in force through it
    assert [str(r[0]) for r in rows(db, "SELECT end_date FROM pairings WHERE id = 1")] == ["2024-06-30"]
    assert rows(db, "SELECT count(*) FROM pairings") == [(1,)]
    # an earlier end, and a new pairing from the return day: accepted
    assert en(world, "pair", "update", "1", "--until", "2024-06-20").code == 0
    assert en(world, "pair", "1", "1", "--since", "2024-09-01").code == 0
    assert rows(db, "SELECT count(*) FROM pairings WHERE end_date IS NULL") == [(1,)]


def test_an_exited_childs_pairing_cannot_end_after_the_exit(world, db):
    assert en(world, "child", "exit", "1", "--reason", "moved", "--date", "2024-06-30").code == 0
    result = en(world, "pair", "update", "1", "--until", "2024-07-10")
    refused(result, "child 张三 (id 1) left the programme after 2024-06-30: a pairing ends on 2024-06-30 or earlier")
    assert [str(r[0]) for r in rows(db, "SELECT end_date FROM pairings WHERE id = 1")] == ["2024-06-30"]


# ---- 4. a purged child does not come back ---------------------------------------------------------------------


def test_reenter_of_a_purged_child_says_its_record_was_erased(world, db):
    assert en(world, "child", "purge", "2", "--yes").code == 0
    refused(en(world, "child", "reenter", "2"), "child 2's record was erased (purged)", "enrol it anew")
    result = zh(world, "child", "reenter", "2", "--date", "2024-09-01")
    refused(result, "儿童 2 的记录已被清除", "请重新建档")
    chinese(result)
    assert rows(db, "SELECT status FROM children WHERE id = 2") == [("purged",)]


# ---- 5. a village filter that matches nothing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("table", ""),
        ("md", ""),
        ("jsonl", ""),
        ("json", "[]\n"),  # a file keeps its shape: an empty array, and CSV its header line
        (
            "csv",
            "id,name,gender,birth_date,age,village,schooling,guardian_name,guardian_phone,flags,helpers,status\r\n",
        ),
    ],
)
def test_a_village_filter_that_matches_nothing_prints_nothing_for_people(world, fmt, expected):
    result = zh(world, "child", "list", "--village", "东装村", "--format", fmt)
    assert result.code == 0, result.err
    assert result.out == expected
    assert result.err.strip() == "警告：找不到村“东装村”；是不是：东庄村？"


def test_a_village_filter_that_matches_prints_the_table(world):
    result = en(world, "child", "list", "--village", "东庄村")
    assert result.code == 0 and result.err == ""
    assert [line.split()[1] for line in result.out.splitlines()[1:]] == ["李四", "张三"]


def test_merge_refuses_a_pairing_before_the_enrolment_or_through_a_time_out(world, db, run, tmp_path):
    assert en(world, "child", "exit", "1", "--reason", "moved", "--date", "2024-06-30").code == 0
    assert en(world, "child", "reenter", "1", "--date", "2024-09-01").code == 0
    other = copy_db(db, tmp_path / "other.db")
    # the other file's own rows, written behind lbc's back: one before 李四's enrolment, one begun in 张三's time out
    execute(other, "INSERT INTO pairings (uid, child_id, helper_id, start_date) VALUES (?, 2, 2, ?)",
            "00000000-0000-4000-8000-000000000001", "2024-02-01")  # fmt: skip
    execute(other, "INSERT INTO pairings (uid, child_id, helper_id, start_date) VALUES (?, 1, 2, ?)",
            "00000000-0000-4000-8000-000000000002", "2024-08-01")  # fmt: skip
    result = run("--lang", "en", "merge", other, db=db)
    assert result.code == 1
    assert (
        "pairings uid 00000000-0000-4000-8000-000000000001: start_date: child 李四 (id 2) was enrolled on 2024-03-01"
        in result.err
    )
    assert (
        "pairings uid 00000000-0000-4000-8000-000000000002: start_date: child 张三 (id 1) was out of the programme"
        in result.err
    )
    assert rows(db, "SELECT count(*) FROM pairings") == [(1,)]
