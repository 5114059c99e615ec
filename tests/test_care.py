"""The care network and the work log: pair, pair end/list, log-contact, contact list, schedule (SPEC sections 2-4, 8).

Every expected value is written out by hand from the fixed world below; nothing is computed by calling lbc's code.

The world (enrolled 2024-01-01; ids in enrolment order):

    child  name    born        village  school / class      status
    1      张三    2015-05-01  李家村   镇中心小学 / 1班      active
    2      李四    2014-03-10  李家村   镇中心小学 / 1班      active
    3      王小明  2013-07-20  王家村   镇中心小学 / 2班      active
    4      赵六    2016-01-15  王家村   镇中心小学 / 1班      exited 2024-06-30
    5      钱七    2012-09-09  李家村   东山小学 / 1班        active
    6      刘洋    2013-02-02  王家村   -                     active  (namesake of 7)
    7      刘洋    2015-08-08  王家村   -                     active

    helper  name    role
    1       张老师  class-teacher
    2       李妈妈  loving-mother
    3       王叔叔  temp-dad
    4       陈红    volunteer      (namesake of 5)
    5       陈红    party-member

Pinyin order, used by the lists: 李四 < 刘洋 < 钱七 < 王小明 < 张三 < 赵六; 李妈妈 < 王叔叔 < 张老师.
"""

import csv
import io
import json
from datetime import date, timedelta

import pytest
from conftest import copy_db, new_target, rows

from lbc_cli.cli import main

TODAY = date.today().isoformat()
TOMORROW = (date.today() + timedelta(days=1)).isoformat()

PAIR_HEADER = "id,child_id,child,helper_id,helper,role,start_date,end_date,note"
CONTACT_HEADER = "id,date,child_id,child,helper,kind,with_whom,minutes,no_answer,note,follow_up_date"

CHILDREN = [
    ("张三", "M", "2015-05-01", "李家村", "镇中心小学", "1班"),
    ("李四", "F", "2014-03-10", "李家村", "镇中心小学", "1班"),
    ("王小明", "M", "2013-07-20", "王家村", "镇中心小学", "2班"),
    ("赵六", "F", "2016-01-15", "王家村", "镇中心小学", "1班"),
    ("钱七", "M", "2012-09-09", "李家村", "东山小学", "1班"),
    ("刘洋", "M", "2013-02-02", "王家村", None, None),
    ("刘洋", "F", "2015-08-08", "王家村", None, None),
]
HELPERS = [
    ("张老师", "class-teacher"),
    ("李妈妈", "loving-mother"),
    ("王叔叔", "temp-dad"),
    ("陈红", "volunteer"),
    ("陈红", "party-member"),
]


@pytest.fixture(scope="module")
def _world(tmp_path_factory):
    """The world above, built once per module; each test gets its own copy."""
    path = new_target(tmp_path_factory.mktemp("care") / "lbc.db", keep=True)
    base = ["--db", str(path), "--lang", "en"]
    assert main([*base, "init"]) == 0
    for name, gender, birth, village, school, class_name in CHILDREN:
        args = [*base, "enroll", name, "--gender", gender, "--birth", birth, "--village", village]
        args += ["--enrolled-on", "2024-01-01", "--consent-on", "2024-01-01"]
        if school:
            args += ["--school", school, "--class", class_name]
        assert main(args) == 0
    for name, role in HELPERS:
        assert main([*base, "helper", "add", name, "--role", role]) == 0
    assert main([*base, "child", "exit", "4", "--reason", "moved", "--date", "2024-06-30"]) == 0
    return path


_copy = copy_db


def _build(template, path, commands: list[list[str]]):
    """A module-level database: a copy of ``template`` with the commands run on it."""
    path = _copy(template, path, keep=True)
    for command in commands:
        assert main(["--db", str(path), "--lang", "en", *command]) == 0, command
    return path


@pytest.fixture
def db(tmp_path, _world):
    """Overrides conftest's db: a private copy of the world."""
    path = _copy(_world, tmp_path / "lbc.db")
    assert rows(path, "SELECT count(*) FROM children") == [(7,)]
    assert rows(path, "SELECT count(*) FROM pairings") == [(0,)]
    return path


def lines(text: str) -> list[str]:
    return text.splitlines()


def csv_dicts(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def ok(result) -> str:
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    return result.out


def pair(lbc, *args: str) -> str:
    result = lbc("pair", *args)
    assert result.code == 0, result.err
    return result.out.strip()


def contact(lbc, *args: str) -> str:
    result = lbc("log-contact", *args)
    assert result.code == 0, result.err
    return result.out.strip()


def pairings(db) -> list[tuple]:
    return rows(db, "SELECT id, child_id, helper_id, start_date, end_date, note FROM pairings ORDER BY id")


def contacts(db) -> list[tuple]:
    return rows(
        db,
        "SELECT id, child_id, helper_id, kind, date, with_whom, minutes, note, follow_up_date, no_answer"
        " FROM contacts ORDER BY id",
    )


def audit(db) -> list[tuple]:
    return rows(db, "SELECT id, command, table_name, row_id, action, old_values, new_values FROM audit_log ORDER BY id")


def refused(result, code: int = 1) -> None:
    """A refusal: the exit code, nothing on stdout, one message on stderr, no traceback."""
    assert result.code == code, (result.out, result.err)
    assert result.out == ""
    assert result.err.startswith("lbc: error: ")
    assert "Traceback" not in result.err


# ---- pair CHILD HELPER -----------------------------------------------------------------------------------------


def test_pair_prints_the_new_id_and_starts_today_by_default(lbc, db):
    result = lbc("pair", "张三", "张老师")
    assert ok(result) == "1\n"
    assert result.err == f"paired 张三 with 张老师 from {TODAY}\n"
    assert pairings(db) == [(1, 1, 1, TODAY, None, None)]


@pytest.mark.parametrize(
    "given",
    ["2024-03-05", "2024/03/05", "2024.03.05", "2024年03月05日", "2024年3月5日", "2024/3/5", "２０２４-０３-０５"],
)
def test_pair_since_accepts_every_date_form(lbc, db, given):
    assert pair(lbc, "张三", "张老师", "--since", given) == "1"
    assert pairings(db) == [(1, 1, 1, "2024-03-05", None, None)]


def test_pair_since_today(lbc, db):
    assert pair(lbc, "张三", "张老师", "--since", "today") == "1"
    assert pairings(db) == [(1, 1, 1, TODAY, None, None)]


def test_pair_note_is_stored(lbc, db):
    pair(lbc, "张三", "张老师", "--since", "2024-03-01", "--note", "每周辅导作业")
    assert pairings(db) == [(1, 1, 1, "2024-03-01", None, "每周辅导作业")]


def test_pair_by_numeric_ids(lbc, db):
    assert pair(lbc, "2", "3", "--since", "2024-03-01") == "1"
    assert pairings(db) == [(1, 2, 3, "2024-03-01", None, None)]


def test_a_child_may_have_two_helpers_and_a_helper_two_children(lbc, db):
    assert pair(lbc, "张三", "张老师", "--since", "2024-03-01") == "1"
    assert pair(lbc, "张三", "李妈妈", "--since", "2024-03-02") == "2"
    assert pair(lbc, "李四", "张老师", "--since", "2024-03-03") == "3"
    assert pairings(db) == [
        (1, 1, 1, "2024-03-01", None, None),
        (2, 1, 2, "2024-03-02", None, None),
        (3, 2, 1, "2024-03-03", None, None),
    ]


def test_pair_writes_one_audited_insert(lbc, db):
    before = audit(db)
    pair(lbc, "张三", "张老师", "--since", "2024-03-01")
    new = audit(db)[len(before) :]
    assert [(table, row_id, action) for _id, _cmd, table, row_id, action, _old, _new in new] == [
        ("pairings", 1, "insert")
    ]
    values = json.loads(new[0][6])
    assert (values["child_id"], values["helper_id"], values["start_date"], values["end_date"]) == (
        1,
        1,
        "2024-03-01",
        None,
    )


def test_pair_audit_command_holds_command_words_only(lbc, db):
    before = len(audit(db))
    pair(lbc, "张三", "张老师")
    commands = [cmd for _id, cmd, *_rest in audit(db)[before:]]
    assert commands == ["lbc pair"] or commands == ["lbc pair add"]
    assert not any("张三" in cmd for cmd in commands)


def test_pairing_twice_is_refused_and_writes_nothing(lbc, db):
    pair(lbc, "张三", "张老师", "--since", "2024-03-05")
    before_pairs, before_audit = pairings(db), audit(db)
    result = lbc("pair", "张三", "张老师")
    refused(result)
    assert "张三 is already paired with 张老师 (since 2024-03-05)" in result.err
    assert pairings(db) == before_pairs
    assert audit(db) == before_audit


def test_pairing_twice_by_id_and_name_is_still_the_same_pair(lbc, db):
    pair(lbc, "张三", "张老师", "--since", "2024-03-05")
    refused(lbc("pair", "1", "1", "--since", "2024-04-01"))
    assert len(pairings(db)) == 1


def test_pair_end_sets_the_end_date_and_keeps_the_row(lbc, db):
    pair(lbc, "张三", "张老师", "--since", "2024-03-05")
    result = lbc("pair", "end", "张三", "张老师", "--date", "2024年6月30日")
    assert ok(result) == ""
    assert result.err == "ended the pairing of 张三 and 张老师 on 2024-06-30\n"
    assert pairings(db) == [(1, 1, 1, "2024-03-05", "2024-06-30", None)]


def test_pair_end_defaults_to_today(lbc, db):
    pair(lbc, "张三", "张老师", "--since", "2024-03-05")
    ok(lbc("pair", "end", "张三", "张老师"))
    assert pairings(db) == [(1, 1, 1, "2024-03-05", TODAY, None)]


def test_pair_end_on_the_start_date_is_allowed(lbc, db):
    pair(lbc, "张三", "张老师", "--since", "2024-03-05")
    ok(lbc("pair", "end", "张三", "张老师", "--date", "2024-03-05"))
    assert pairings(db) == [(1, 1, 1, "2024-03-05", "2024-03-05", None)]


def test_pair_end_touches_only_that_couple(lbc, db):
    pair(lbc, "张三", "张老师", "--since", "2024-03-01")
    pair(lbc, "张三", "李妈妈", "--since", "2024-03-01")
    pair(lbc, "李四", "张老师", "--since", "2024-03-01")
    ok(lbc("pair", "end", "张三", "张老师", "--date", "2024-05-01"))
    assert pairings(db) == [
        (1, 1, 1, "2024-03-01", "2024-05-01", None),
        (2, 1, 2, "2024-03-01", None, None),
        (3, 2, 1, "2024-03-01", None, None),
    ]


def test_pairing_again_after_an_end_adds_a_new_row(lbc, db):
    pair(lbc, "张三", "张老师", "--since", "2024-03-05")
    ok(lbc("pair", "end", "张三", "张老师", "--date", "2024-06-30"))
    assert pair(lbc, "张三", "张老师", "--since", "2024-09-01") == "2"
    assert pairings(db) == [
        (1, 1, 1, "2024-03-05", "2024-06-30", None),
        (2, 1, 1, "2024-09-01", None, None),
    ]


def test_pairing_again_may_not_overlap_the_ended_pairing(lbc, db):
    pair(lbc, "张三", "张老师", "--since", "2024-03-05")
    ok(lbc("pair", "end", "张三", "张老师", "--date", "2024-06-30"))
    before = pairings(db)
    result = lbc("pair", "张三", "张老师", "--since", "2024-05-01")
    refused(result)
    assert pairings(db) == before


def test_pair_end_of_an_unpaired_couple_is_refused(lbc, db):
    pair(lbc, "张三", "李妈妈", "--since", "2024-03-05")
    before = audit(db)
    result = lbc("pair", "end", "张三", "张老师", "--date", "2024-06-30")
    refused(result)
    assert "张三 and 张老师 have no pairing in force" in result.err
    assert pairings(db) == [(1, 1, 2, "2024-03-05", None, None)]
    assert audit(db) == before


def test_pair_end_of_an_already_ended_pairing_is_refused(lbc, db):
    pair(lbc, "张三", "张老师", "--since", "2024-03-05")
    ok(lbc("pair", "end", "张三", "张老师", "--date", "2024-06-30"))
    refused(lbc("pair", "end", "张三", "张老师", "--date", "2024-07-30"))
    assert pairings(db) == [(1, 1, 1, "2024-03-05", "2024-06-30", None)]


def test_pair_end_before_the_start_is_refused(lbc, db):
    pair(lbc, "张三", "张老师", "--since", "2024-03-05")
    before = audit(db)
    result = lbc("pair", "end", "张三", "张老师", "--date", "2024-03-04")
    refused(result)
    assert "--date" in result.err
    assert "2024-03-04" in result.err
    assert pairings(db) == [(1, 1, 1, "2024-03-05", None, None)]
    assert audit(db) == before


def test_pair_since_in_the_future_is_refused(lbc, db):
    before = audit(db)
    result = lbc("pair", "张三", "张老师", "--since", TOMORROW)
    refused(result)
    assert "--since" in result.err
    assert f"{TOMORROW} is after today ({TODAY})" in result.err
    assert pairings(db) == []
    assert audit(db) == before


def test_pair_end_date_in_the_future_is_refused(lbc, db):
    pair(lbc, "张三", "张老师", "--since", "2024-03-05")
    result = lbc("pair", "end", "张三", "张老师", "--date", TOMORROW)
    refused(result)
    assert "--date" in result.err
    assert pairings(db) == [(1, 1, 1, "2024-03-05", None, None)]


@pytest.mark.parametrize("bad", ["2024-13-01", "2024-02-30", "yesterday", "03/05/2024"])
def test_pair_since_that_is_no_date_is_a_usage_error(lbc, db, bad):
    result = lbc("pair", "张三", "张老师", "--since", bad)
    refused(result, 2)
    assert "--since" in result.err
    assert pairings(db) == []


@pytest.mark.parametrize(
    ("child", "helper", "message"),
    [
        ("无名氏", "张老师", "no child '无名氏'"),
        ("张三", "无名师", "no helper '无名师'"),
        ("99", "张老师", "no child '99'"),
    ],
)
def test_pair_unknown_child_or_helper_is_refused(lbc, db, child, helper, message):
    result = lbc("pair", child, helper)
    refused(result)
    assert message in result.err
    assert pairings(db) == []


def test_pair_ambiguous_child_name_is_refused_listing_the_candidates(lbc, db):
    result = lbc("pair", "刘洋", "张老师")
    refused(result)
    assert "6  刘洋  王家村  2013-02-02" in result.err
    assert "7  刘洋  王家村  2015-08-08" in result.err
    assert pairings(db) == []


def test_pair_ambiguous_helper_name_is_refused(lbc, db):
    result = lbc("pair", "张三", "陈红")
    refused(result)
    assert "4  陈红" in result.err
    assert "5  陈红" in result.err
    assert pairings(db) == []


def test_pair_end_ambiguous_or_unknown_reference_is_refused(lbc, db):
    pair(lbc, "6", "张老师", "--since", "2024-03-05")
    refused(lbc("pair", "end", "刘洋", "张老师"))
    refused(lbc("pair", "end", "无名氏", "张老师"))
    assert pairings(db) == [(1, 6, 1, "2024-03-05", None, None)]


def test_pair_without_a_helper_is_a_usage_error(lbc, db):
    result = lbc("pair", "张三")
    refused(result, 2)
    assert pairings(db) == []


def test_pair_since_before_the_childs_birth_is_refused(lbc, db):
    result = lbc("pair", "张三", "张老师", "--since", "2010-01-01")  # 张三 was born 2015-05-01
    refused(result)
    assert pairings(db) == []


def test_pairing_an_exited_child_is_refused(lbc, db):
    result = lbc("pair", "赵六", "张老师")  # 赵六 left on 2024-06-30
    refused(result)
    assert pairings(db) == []


# ---- pair --class SCHOOL/CLASS TEACHER --------------------------------------------------------------------------


def test_pair_class_pairs_exactly_the_active_children_of_that_class(lbc, db):
    result = lbc("pair", "--class", "镇中心小学/1班", "张老师", "--since", "2024-09-01")
    ok(result)
    assert all(line.isdigit() for line in lines(result.out))  # stdout: data (ids) only
    assert result.err == "paired 张老师 with 2 children of 镇中心小学 1班; 0 were already paired\n"
    # 张三 and 李四; not 王小明 (2班), not 钱七 (东山小学 1班), not 赵六 (exited)
    assert rows(db, "SELECT child_id, helper_id, start_date, end_date FROM pairings ORDER BY child_id") == [
        (1, 1, "2024-09-01", None),
        (2, 1, "2024-09-01", None),
    ]


def test_pair_class_starts_today_by_default(lbc, db):
    ok(lbc("pair", "--class", "镇中心小学/2班", "张老师"))
    assert rows(db, "SELECT child_id, helper_id, start_date FROM pairings") == [(3, 1, TODAY)]


def test_pair_class_skips_children_already_paired_with_the_teacher(lbc, db):
    pair(lbc, "张三", "张老师", "--since", "2024-03-01")
    pair(lbc, "李四", "李妈妈", "--since", "2024-03-01")  # another helper: no reason to skip
    result = lbc("pair", "--class", "镇中心小学/1班", "张老师", "--since", "2024-09-01")
    ok(result)
    assert result.err == "paired 张老师 with 1 children of 镇中心小学 1班; 1 were already paired\n"
    assert pairings(db) == [
        (1, 1, 1, "2024-03-01", None, None),
        (2, 2, 2, "2024-03-01", None, None),
        (3, 2, 1, "2024-09-01", None, None),
    ]


def test_pair_class_twice_adds_nothing(lbc, db):
    ok(lbc("pair", "--class", "镇中心小学/1班", "张老师", "--since", "2024-09-01"))
    result = lbc("pair", "--class", "镇中心小学/1班", "张老师")
    ok(result)
    assert result.err == "paired 张老师 with 0 children of 镇中心小学 1班; 2 were already paired\n"
    assert len(pairings(db)) == 2


def test_pair_class_warns_when_the_helper_is_not_a_class_teacher(lbc, db):
    result = lbc("pair", "--class", "镇中心小学/1班", "李妈妈", "--since", "2024-09-01")
    ok(result)
    assert "warning: 李妈妈's role is not class-teacher" in result.err
    assert "warning" not in result.out
    assert rows(db, "SELECT child_id, helper_id FROM pairings ORDER BY child_id") == [(1, 2), (2, 2)]


def test_pair_class_with_a_class_teacher_gives_no_warning(lbc, db):
    result = lbc("pair", "--class", "镇中心小学/1班", "张老师")
    ok(result)
    assert "warning" not in result.err


@pytest.mark.parametrize("bad", ["镇中心小学1班", "/1班", "镇中心小学/", "/"])
def test_pair_class_without_school_slash_class_is_a_usage_error(lbc, db, bad):
    before = audit(db)
    result = lbc("pair", "--class", bad, "张老师")
    refused(result, 2)
    assert "--class" in result.err
    assert pairings(db) == []
    assert audit(db) == before


def test_pair_class_with_both_child_and_helper_is_a_usage_error(lbc, db):
    refused(lbc("pair", "--class", "镇中心小学/1班", "张三", "张老师"), 2)
    assert pairings(db) == []


def test_pair_class_of_an_empty_class_is_refused(lbc, db):
    result = lbc("pair", "--class", "镇中心小学/9班", "张老师")
    refused(result)
    assert "镇中心小学 9班 has no active children" in result.err
    assert pairings(db) == []


def test_pair_class_unknown_teacher_is_refused(lbc, db):
    refused(lbc("pair", "--class", "镇中心小学/1班", "无名师"))
    assert pairings(db) == []


def test_pair_class_since_in_the_future_is_refused(lbc, db):
    refused(lbc("pair", "--class", "镇中心小学/1班", "张老师", "--since", TOMORROW))
    assert pairings(db) == []


# ---- pair list -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _network_db(_world, tmp_path_factory):
    return _build(
        _world,
        tmp_path_factory.mktemp("network") / "lbc.db",
        [
            ["pair", "张三", "张老师", "--since", "2024-03-01", "--note", "周末辅导"],
            ["pair", "李四", "张老师", "--since", "2024-04-01"],
            ["pair", "张三", "李妈妈", "--since", "2024-02-01"],
            ["pair", "钱七", "王叔叔", "--since", "2024-02-01"],
            ["pair", "end", "钱七", "王叔叔", "--date", "2024-05-01"],
        ],
    )


@pytest.fixture
def network(run, _network_db):
    """Read-only. 1: 张三-张老师 from 2024-03-01 (note), 2: 李四-张老师 from 2024-04-01,
    3: 张三-李妈妈 from 2024-02-01, 4: 钱七-王叔叔 2024-02-01 .. 2024-05-01 (ended)."""
    assert [p[0] for p in pairings(_network_db)] == [1, 2, 3, 4]
    return lambda *args: run(*args, db=_network_db)


ROW_1 = "1,1,张三,1,张老师,class-teacher,2024-03-01,,周末辅导"
ROW_2 = "2,2,李四,1,张老师,class-teacher,2024-04-01,,"
ROW_3 = "3,1,张三,2,李妈妈,loving-mother,2024-02-01,,"
ROW_4 = "4,5,钱七,3,王叔叔,temp-dad,2024-02-01,2024-05-01,"


def test_pair_list_csv_lists_pairings_in_force_by_helper_then_child(network):
    result = network("pair", "list", "--format", "csv")
    assert lines(ok(result)) == [PAIR_HEADER, ROW_3, ROW_2, ROW_1]
    assert result.err == ""


def test_pair_list_all_includes_ended_pairings(network):
    assert lines(ok(network("pair", "list", "--all", "-f", "csv"))) == [PAIR_HEADER, ROW_3, ROW_4, ROW_2, ROW_1]


def test_pair_list_as_of_a_past_date(network):
    # on 2024-03-15: 张三-李妈妈, 钱七-王叔叔 (ends 05-01), 张三-张老师; 李四-张老师 starts 04-01
    assert lines(ok(network("pair", "list", "--as-of", "2024-03-15", "-f", "csv"))) == [
        PAIR_HEADER,
        ROW_3,
        "4,5,钱七,3,王叔叔,temp-dad,2024-02-01,2024-05-01,",
        ROW_1,
    ]


def test_pair_list_helper_filter(network):
    assert lines(ok(network("pair", "list", "--helper", "张老师", "-f", "csv"))) == [PAIR_HEADER, ROW_2, ROW_1]
    assert lines(ok(network("pair", "list", "--helper", "王叔叔", "-f", "csv"))) == [PAIR_HEADER]
    assert lines(ok(network("pair", "list", "--helper", "王叔叔", "--all", "-f", "csv"))) == [PAIR_HEADER, ROW_4]


def test_pair_list_child_filter(network):
    assert lines(ok(network("pair", "list", "--child", "张三", "-f", "csv"))) == [PAIR_HEADER, ROW_3, ROW_1]
    assert lines(ok(network("pair", "list", "--child", "1", "--helper", "李妈妈", "-f", "csv"))) == [
        PAIR_HEADER,
        ROW_3,
    ]


def test_pair_list_unknown_or_ambiguous_filter_is_refused(network):
    refused(network("pair", "list", "--helper", "无名师"))
    refused(network("pair", "list", "--child", "刘洋"))


def test_pair_list_json_has_the_csv_keys(network):
    data = json.loads(ok(network("pair", "list", "--helper", "张老师", "-f", "json")))
    assert data == [
        {
            "id": 2,
            "child_id": 2,
            "child": "李四",
            "helper_id": 1,
            "helper": "张老师",
            "role": "class-teacher",
            "start_date": "2024-04-01",
            "end_date": None,
            "note": None,
        },
        {
            "id": 1,
            "child_id": 1,
            "child": "张三",
            "helper_id": 1,
            "helper": "张老师",
            "role": "class-teacher",
            "start_date": "2024-03-01",
            "end_date": None,
            "note": "周末辅导",
        },
    ]


def test_pair_list_table_is_for_people(network):
    out = ok(network("pair", "list"))
    table = lines(out)
    assert len(table) == 4  # header + 3 pairings in force
    assert "张老师" in table[2] and "李四" in table[2] and "class teacher" in table[2]
    assert "周末辅导" in table[3]
    assert "钱七" not in out


def test_pair_list_unpaired_lists_active_children_with_no_pairing_in_force(network):
    result = network("pair", "list", "--unpaired", "-f", "csv")
    # 钱七's pairing ended; 赵六 has left; order: 刘洋 (6, 7), 钱七, 王小明
    assert lines(ok(result)) == [
        "id,name,village,enrolled_on",
        "6,刘洋,王家村,2024-01-01",
        "7,刘洋,王家村,2024-01-01",
        "5,钱七,李家村,2024-01-01",
        "3,王小明,王家村,2024-01-01",
    ]
    assert result.err == ""


def test_pair_list_empty_database_csv_is_the_header(lbc):
    assert lines(ok(lbc("pair", "list", "-f", "csv"))) == [PAIR_HEADER]


def test_pair_list_bad_format_is_a_usage_error(network):
    refused(network("pair", "list", "--format", "xml"), 2)


# ---- child exit ends pairings ----------------------------------------------------------------------------------


def test_child_exit_ends_the_childs_open_pairings_on_the_exit_date(lbc, db):
    pair(lbc, "张三", "王叔叔", "--since", "2024-02-01")
    ok(lbc("pair", "end", "张三", "王叔叔", "--date", "2024-02-20"))
    pair(lbc, "张三", "张老师", "--since", "2024-03-01")
    pair(lbc, "张三", "李妈妈", "--since", "2024-04-01")
    pair(lbc, "李四", "张老师", "--since", "2024-03-01")
    result = lbc("child", "exit", "张三", "--reason", "parents-returned", "--date", "2024-08-31")
    assert ok(result) == ""
    assert "its 2 pairings ended with it" in result.err
    assert pairings(db) == [
        (1, 1, 3, "2024-02-01", "2024-02-20", None),  # already ended: kept as it was
        (2, 1, 1, "2024-03-01", "2024-08-31", None),
        (3, 1, 2, "2024-04-01", "2024-08-31", None),
        (4, 2, 1, "2024-03-01", None, None),  # another child: untouched
    ]
    assert lines(ok(lbc("pair", "list", "--child", "张三", "-f", "csv"))) == [PAIR_HEADER]
    assert lines(ok(lbc("pair", "list", "--unpaired", "-f", "csv")))[1:] == [
        "6,刘洋,王家村,2024-01-01",
        "7,刘洋,王家村,2024-01-01",
        "5,钱七,李家村,2024-01-01",
        "3,王小明,王家村,2024-01-01",
    ]


# ---- log-contact -----------------------------------------------------------------------------------------------


def test_log_contact_stores_every_option_in_its_column(lbc, db):
    result = lbc(
        "log-contact", "张三", "--kind", "video-call", "--date", "2024-05-01", "--helper", "李妈妈",
        "--with", "guardian", "--minutes", "25", "--note", "说了学习情况", "--follow-up", "2024-05-08",
    )  # fmt: skip
    assert ok(result) == "1\n"
    assert result.err == ""
    assert contacts(db) == [(1, 1, 2, "video-call", "2024-05-01", "guardian", 25, "说了学习情况", "2024-05-08", 0)]


def test_log_contact_minimal_defaults_to_today_no_helper_nothing_else(lbc, db):
    assert contact(lbc, "张三", "--kind", "aid") == "1"
    assert contacts(db) == [(1, 1, None, "aid", TODAY, None, None, None, None, 0)]


@pytest.mark.parametrize(
    ("given", "slug"),
    [
        ("亲情视频", "video-call"),
        ("亲情电话", "phone-call"),
        ("家访", "home-visit"),
        ("到校了解", "school-visit"),
        ("向父母反馈", "parent-feedback"),
        ("活动", "activity"),
        ("物资帮扶", "aid"),
        ("心理辅导", "counseling"),
        ("家长会", "parent-meeting"),
        ("强制报告", "mandatory-report"),
        ("video-call", "video-call"),
        ("home-visit", "home-visit"),
    ],
)
def test_log_contact_kind_slug_or_chinese_label(lbc, db, given, slug):
    assert contact(lbc, "张三", "--kind", given, "--date", "2024-05-01") == "1"
    assert rows(db, "SELECT kind FROM contacts") == [(slug,)]


@pytest.mark.parametrize(
    ("given", "slug"),
    [("父母", "parent"), ("监护人", "guardian"), ("儿童", "child"), ("老师", "teacher"), ("parent", "parent")],
)
def test_log_contact_with_slug_or_chinese_label(lbc, db, given, slug):
    contact(lbc, "张三", "--kind", "aid", "--with", given, "--date", "2024-05-01")
    assert rows(db, "SELECT with_whom FROM contacts") == [(slug,)]


@pytest.mark.parametrize(
    ("kind", "whom"),
    # documented choice (care.py DEFAULT_WITH): the parents' calls are with the parent, a home visit meets the
    # guardian, a school visit the teacher; material aid has no default
    [("video-call", "parent"), ("phone-call", "parent"), ("home-visit", "guardian"), ("school-visit", "teacher")],
)
def test_log_contact_default_with_per_kind(lbc, db, kind, whom):
    contact(lbc, "张三", "--kind", kind, "--date", "2024-05-01")
    assert rows(db, "SELECT with_whom FROM contacts") == [(whom,)]


def test_log_contact_no_answer_is_stored(lbc, db):
    contact(lbc, "张三", "--kind", "video-call", "--date", "2024-05-01", "--no-answer")
    contact(lbc, "张三", "--kind", "video-call", "--date", "2024-05-02")
    assert rows(db, "SELECT id, no_answer FROM contacts ORDER BY id") == [(1, 1), (2, 0)]


@pytest.mark.parametrize("given", ["2024-05-01", "2024/05/01", "2024.5.1", "2024年5月1日"])
def test_log_contact_date_forms(lbc, db, given):
    contact(lbc, "张三", "--kind", "aid", "--date", given)
    assert rows(db, "SELECT date FROM contacts") == [("2024-05-01",)]


def test_log_contact_today_is_allowed(lbc, db):
    contact(lbc, "张三", "--kind", "aid", "--date", "today")
    assert rows(db, "SELECT date FROM contacts") == [(TODAY,)]


def test_log_contact_minutes_zero_and_a_day(lbc, db):
    contact(lbc, "张三", "--kind", "aid", "--minutes", "0", "--date", "2024-05-01")
    contact(lbc, "张三", "--kind", "aid", "--minutes", "1440", "--date", "2024-05-01")
    assert rows(db, "SELECT minutes FROM contacts ORDER BY id") == [(0,), (1440,)]


def test_log_contact_several_children_one_contact_each(lbc, db):
    result = lbc("log-contact", "张三", "李四", "5", "--kind", "活动", "--date", "2024-07-15", "--note", "观影")
    assert lines(ok(result)) == ["1", "2", "3"]
    assert result.err == "logged 3 contacts\n"
    assert contacts(db) == [
        (1, 1, None, "activity", "2024-07-15", "child", None, "观影", None, 0),
        (2, 2, None, "activity", "2024-07-15", "child", None, "观影", None, 0),
        (3, 5, None, "activity", "2024-07-15", "child", None, "观影", None, 0),
    ]


def test_log_contact_same_child_twice_is_one_contact(lbc, db):
    assert lines(ok(lbc("log-contact", "张三", "1", "--kind", "activity", "--date", "2024-07-15"))) == ["1"]
    assert rows(db, "SELECT child_id FROM contacts") == [(1,)]


def test_log_contact_several_children_is_one_transaction(lbc, db):
    before = audit(db)
    result = lbc("log-contact", "张三", "李四", "无名氏", "--kind", "activity", "--date", "2024-07-15")
    refused(result)
    assert "no child '无名氏'" in result.err
    assert contacts(db) == []
    assert audit(db) == before


def test_log_contact_one_exited_child_refuses_the_whole_group(lbc, db):
    result = lbc("log-contact", "张三", "赵六", "--kind", "activity", "--date", "2024-07-15")
    refused(result)
    assert "赵六" in result.err
    assert contacts(db) == []


def test_log_contact_village_logs_every_active_child_of_the_village(lbc, db):
    result = lbc("log-contact", "--village", "王家村", "--kind", "activity", "--date", "2024-07-15")
    assert lines(ok(result)) == ["1", "2", "3"]
    assert result.err == "logged 3 contacts\n"
    # pinyin order: 刘洋 (6), 刘洋 (7), 王小明 (3); 赵六 (4) has left, 李家村 children are not included
    assert rows(db, "SELECT id, child_id, kind FROM contacts ORDER BY id") == [
        (1, 6, "activity"),
        (2, 7, "activity"),
        (3, 3, "activity"),
    ]


def test_log_contact_village_with_helper_records_the_helper(lbc, db):
    ok(lbc("log-contact", "--village", "李家村", "--helper", "王叔叔", "--kind", "aid", "--date", "2024-07-15"))
    assert rows(db, "SELECT child_id, helper_id FROM contacts ORDER BY child_id") == [(1, 3), (2, 3), (5, 3)]


def test_log_contact_unknown_village_is_refused(lbc, db):
    refused(lbc("log-contact", "--village", "无此村", "--kind", "activity", "--date", "2024-07-15"))
    assert contacts(db) == []


def test_log_contact_helper_alone_logs_all_the_helpers_active_children(lbc, db):
    pair(lbc, "张三", "张老师", "--since", "2024-03-01")
    pair(lbc, "李四", "张老师", "--since", "2024-03-01")
    pair(lbc, "钱七", "张老师", "--since", "2024-02-01")
    ok(lbc("pair", "end", "钱七", "张老师", "--date", "2024-04-01"))  # ended before the visit
    pair(lbc, "王小明", "李妈妈", "--since", "2024-03-01")  # another helper's child
    result = lbc("log-contact", "--helper", "张老师", "--kind", "home-visit", "--date", "2024-05-01")
    assert lines(ok(result)) == ["1", "2"]
    assert contacts(db) == [
        (1, 2, 1, "home-visit", "2024-05-01", "guardian", None, None, None, 0),  # 李四 before 张三 (pinyin)
        (2, 1, 1, "home-visit", "2024-05-01", "guardian", None, None, None, 0),
    ]


def test_log_contact_helper_with_children_given_logs_only_those(lbc, db):
    pair(lbc, "张三", "张老师", "--since", "2024-03-01")
    pair(lbc, "李四", "张老师", "--since", "2024-03-01")
    assert contact(lbc, "王小明", "--helper", "张老师", "--kind", "phone-call", "--date", "2024-05-01") == "1"
    assert rows(db, "SELECT child_id, helper_id FROM contacts") == [(3, 1)]


def test_log_contact_helper_without_children_is_refused(lbc, db):
    result = lbc("log-contact", "--helper", "王叔叔", "--kind", "home-visit", "--date", "2024-05-01")
    refused(result)
    assert "no active children match" in result.err
    assert contacts(db) == []


def test_log_contact_nothing_selected_is_a_usage_error(lbc, db):
    result = lbc("log-contact", "--kind", "activity", "--date", "2024-07-15")
    refused(result, 2)
    assert contacts(db) == []


def test_log_contact_in_the_future_is_refused(lbc, db):
    before = audit(db)
    result = lbc("log-contact", "张三", "李四", "--kind", "video-call", "--date", TOMORROW)
    refused(result)
    assert "--date" in result.err
    assert f"{TOMORROW} is after today ({TODAY})" in result.err
    assert contacts(db) == []
    assert audit(db) == before


def test_log_contact_follow_up_before_the_date_is_refused(lbc, db):
    result = lbc("log-contact", "张三", "--kind", "home-visit", "--date", "2024-05-10", "--follow-up", "2024-05-09")
    refused(result)
    assert "--follow-up" in result.err
    assert contacts(db) == []


def test_log_contact_follow_up_on_the_day_or_in_the_future_is_allowed(lbc, db):
    contact(lbc, "张三", "--kind", "home-visit", "--date", "2024-05-10", "--follow-up", "2024-05-10")
    contact(lbc, "张三", "--kind", "home-visit", "--date", "today", "--follow-up", TOMORROW)
    assert rows(db, "SELECT follow_up_date FROM contacts ORDER BY id") == [("2024-05-10",), (TOMORROW,)]


@pytest.mark.parametrize("bad", ["video", "视频", "visit", ""])
def test_log_contact_bad_kind_is_a_usage_error(lbc, db, bad):
    result = lbc("log-contact", "张三", "--kind", bad, "--date", "2024-05-01")
    refused(result, 2)
    assert "--kind" in result.err
    assert contacts(db) == []


def test_log_contact_without_kind_is_a_usage_error(lbc, db):
    refused(lbc("log-contact", "张三", "--date", "2024-05-01"), 2)
    assert contacts(db) == []


def test_log_contact_bad_with_is_a_usage_error(lbc, db):
    result = lbc("log-contact", "张三", "--kind", "aid", "--with", "neighbour", "--date", "2024-05-01")
    refused(result, 2)
    assert "--with" in result.err
    assert contacts(db) == []


def test_log_contact_bad_date_is_a_usage_error(lbc, db):
    refused(lbc("log-contact", "张三", "--kind", "aid", "--date", "2024-02-30"), 2)
    refused(lbc("log-contact", "张三", "--kind", "aid", "--date", "2024-05-01", "--follow-up", "soon"), 2)
    assert contacts(db) == []


def test_log_contact_after_the_childs_exit_is_refused(lbc, db):
    result = lbc("log-contact", "赵六", "--kind", "home-visit", "--date", "2024-07-01")  # left 2024-06-30
    refused(result)
    assert "赵六" in result.err
    assert "2024-06-30" in result.err
    assert contacts(db) == []


def test_log_contact_on_or_before_the_exit_date_is_allowed(lbc, db):
    contact(lbc, "赵六", "--kind", "home-visit", "--date", "2024-06-30")
    contact(lbc, "4", "--kind", "home-visit", "--date", "2024-06-01")
    assert rows(db, "SELECT child_id, date FROM contacts ORDER BY id") == [(4, "2024-06-30"), (4, "2024-06-01")]


def test_log_contact_before_the_childs_birth_is_refused(lbc, db):
    refused(lbc("log-contact", "张三", "--kind", "aid", "--date", "2015-04-30"))  # born 2015-05-01
    assert contacts(db) == []


@pytest.mark.parametrize(("minutes", "code"), [("-5", 1), ("-1", 1), ("abc", 2), ("1.5", 2), ("十", 2), ("1441", 1)])
def test_log_contact_bad_minutes_is_refused(lbc, db, minutes, code):
    result = lbc("log-contact", "张三", "--kind", "video-call", "--date", "2024-05-01", "--minutes", minutes)
    refused(result, code)
    assert "--minutes" in result.err
    assert contacts(db) == []


def test_log_contact_unknown_or_ambiguous_refs_are_refused(lbc, db):
    refused(lbc("log-contact", "刘洋", "--kind", "aid", "--date", "2024-05-01"))
    refused(lbc("log-contact", "张三", "--kind", "aid", "--helper", "陈红", "--date", "2024-05-01"))
    refused(lbc("log-contact", "张三", "--kind", "aid", "--helper", "无名师", "--date", "2024-05-01"))
    assert contacts(db) == []


def test_log_contact_mandatory_report_warns_on_stderr(lbc, db):
    result = lbc("log-contact", "张三", "--kind", "mandatory-report", "--date", "2024-05-01")
    assert ok(result) == "1\n"
    assert result.err.startswith("warning: ")


# ---- contact list ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _logged_db(_world, tmp_path_factory):
    return _build(
        _world,
        tmp_path_factory.mktemp("logged") / "lbc.db",
        [
            ["log-contact", "张三", "--kind", "video-call", "--date", "2024-05-01", "--helper", "李妈妈",
             "--minutes", "20", "--note", "好"],
            ["log-contact", "李四", "--kind", "home-visit", "--date", "2024-06-10", "--helper", "张老师",
             "--follow-up", "2024-06-20"],
            ["log-contact", "张三", "--kind", "phone-call", "--date", "2024-04-01", "--no-answer"],
            ["log-contact", "钱七", "--kind", "家访", "--date", "2024-05-15", "--helper", "张老师"],
            ["pair", "张三", "张老师", "--since", "2024-03-01"],
        ],
    )  # fmt: skip


@pytest.fixture
def logged(run, _logged_db):
    """Read-only: the contacts C1..C4 below, and 张三 paired with 张老师 from 2024-03-01."""
    assert [c[0] for c in contacts(_logged_db)] == [1, 2, 3, 4]
    return lambda *args: run(*args, db=_logged_db)


C1 = "1,2024-05-01,1,张三,李妈妈,video-call,parent,20,0,好,"
C2 = "2,2024-06-10,2,李四,张老师,home-visit,guardian,,0,,2024-06-20"
C3 = "3,2024-04-01,1,张三,,phone-call,parent,,1,,"
C4 = "4,2024-05-15,5,钱七,张老师,home-visit,guardian,,0,,"


def test_contact_list_csv_newest_first(logged):
    result = logged("contact", "list", "--format", "csv")
    assert lines(ok(result)) == [CONTACT_HEADER, C2, C4, C1, C3]
    assert result.err == ""


def test_contact_list_same_date_newest_id_first(lbc):
    contact(lbc, "张三", "--kind", "aid", "--date", "2024-05-01")
    contact(lbc, "李四", "--kind", "aid", "--date", "2024-05-01")
    contact(lbc, "钱七", "--kind", "aid", "--date", "2024-04-30")
    out = ok(lbc("contact", "list", "-f", "csv"))
    assert [line.split(",")[0] for line in lines(out)[1:]] == ["2", "1", "3"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--child", "张三"), [C1, C3]),
        (("--child", "5"), [C4]),
        (("--helper", "张老师"), [C2, C4]),
        (("--helper", "李妈妈"), [C1]),
        (("--kind", "home-visit"), [C2, C4]),
        (("--kind", "家访"), [C2, C4]),
        (("--kind", "aid"), []),
        (("--from", "2024-05-01"), [C2, C4, C1]),
        (("--to", "2024-05-01"), [C1, C3]),
        (("--from", "2024/05/01", "--to", "2024年5月31日"), [C4, C1]),
        (("--child", "张三", "--kind", "phone-call"), [C3]),
        (("--helper", "张老师", "--from", "2024-06-01"), [C2]),
    ],
)
def test_contact_list_filters(logged, args, expected):
    assert lines(ok(logged("contact", "list", *args, "-f", "csv"))) == [CONTACT_HEADER, *expected]


def test_contact_list_json_has_the_csv_keys(logged):
    data = json.loads(ok(logged("contact", "list", "--child", "张三", "-f", "json")))
    assert data == [
        {
            "id": 1,
            "date": "2024-05-01",
            "child_id": 1,
            "child": "张三",
            "helper": "李妈妈",
            "kind": "video-call",
            "with_whom": "parent",
            "minutes": 20,
            "no_answer": 0,
            "note": "好",
            "follow_up_date": None,
        },
        {
            "id": 3,
            "date": "2024-04-01",
            "child_id": 1,
            "child": "张三",
            "helper": None,
            "kind": "phone-call",
            "with_whom": "parent",
            "minutes": None,
            "no_answer": 1,
            "note": None,
            "follow_up_date": None,
        },
    ]


def test_contact_list_table_is_for_people(logged):
    table = lines(ok(logged("contact", "list", "--child", "张三")))
    assert len(table) == 3
    assert "2024-05-01" in table[1] and "video call" in table[1] and "李妈妈" in table[1]
    assert "2024-04-01" in table[2] and "phone call" in table[2]


def test_contact_list_bad_filters(logged):
    refused(logged("contact", "list", "--child", "无名氏"))
    refused(logged("contact", "list", "--helper", "陈红"))
    refused(logged("contact", "list", "--kind", "video"), 2)
    refused(logged("contact", "list", "--from", "May"), 2)


# ---- child show: the contact history ----------------------------------------------------------------------------


def test_child_show_table_holds_the_contact_history(logged):
    result = logged("child", "show", "张三")
    out = ok(result)
    history = [line for line in lines(out) if line.startswith("2024-0")]
    assert len(history) == 2
    assert history[0].startswith("2024-05-01") and "video call" in history[0] and "李妈妈" in history[0]
    assert "好" in history[0]
    assert history[1].startswith("2024-04-01") and "phone call" in history[1] and "no answer" in history[1]
    assert "张老师" in out
    assert "钱七" not in out


def test_child_show_json_has_contacts_and_pairings(logged):
    data = json.loads(ok(logged("child", "show", "张三", "--format", "json")))
    assert [(c["id"], c["date"], c["kind"], c["with_whom"], c["helper"], c["no_answer"]) for c in data["contacts"]] == [
        (1, "2024-05-01", "video-call", "parent", "李妈妈", 0),
        (3, "2024-04-01", "phone-call", "parent", None, 1),
    ]
    assert data["contacts"][0]["note"] == "好"
    assert [(p["helper_id"], p["helper"], p["start_date"], p["end_date"]) for p in data["pairings"]] == [
        (1, "张老师", "2024-03-01", None)
    ]


def test_child_show_json_without_contacts_is_an_empty_list(lbc):
    data = json.loads(ok(lbc("child", "show", "王小明", "-f", "json")))
    assert data["contacts"] == []
    assert data["pairings"] == []


# ---- schedule --------------------------------------------------------------------------------------------------


def test_init_seeds_the_plans_five_monthly_blocks(db):
    # i18n.SCHEDULE counted by hand: March 3, June 2, September 3, November 2, December 3
    assert rows(db, "SELECT month, count(*) FROM schedule_items GROUP BY month ORDER BY month") == [
        (3, 3),
        (6, 2),
        (9, 3),
        (11, 2),
        (12, 3),
    ]


def test_schedule_list_csv_lists_the_13_items_by_month(lbc):
    result = lbc("schedule", "list", "-f", "csv")
    table = lines(ok(result))
    assert table[0] == "id,month,text"
    assert [line.split(",")[1] for line in table[1:]] == ["3"] * 3 + ["6"] * 2 + ["9"] * 3 + ["11"] * 2 + ["12"] * 3
    assert result.err == ""


def test_schedule_list_one_month(lbc):
    assert lines(ok(lbc("schedule", "list", "--month", "9", "-f", "csv"))) == [
        "id,month,text",
        "6,9,hold a National Day activity for the children",
        "7,9,fill gaps in the pairings and update the records",
        '8,9,"open family phone lines, and video calls where possible"',
    ]
    assert lines(ok(lbc("schedule", "list", "--month", "10", "-f", "csv"))) == ["id,month,text"]


def test_the_seeded_schedule_is_the_same_rows_in_any_language_shown_in_the_sessions(run, new_db):
    """Issue 18.18: `lbc init` under LANG=C and under zh_CN seeds the same 13 rows (the same uids, the plan's
    text), and each session shows them in its own language."""
    made_zh, made_en = new_db("zh.db"), new_db("en.db")
    assert run("--lang", "zh", "init", db=made_zh).code == 0
    assert run("--lang", "en", "init", db=made_en).code == 0
    stored = "SELECT uid, month, position, text FROM schedule_items ORDER BY id"
    assert rows(made_zh, stored) == rows(made_en, stored)
    for path in (made_zh, made_en):
        shown_zh = json.loads(ok(run("--lang", "zh", "schedule", "list", "--month", "3", "-f", "json", db=path)))
        assert [item["text"] for item in shown_zh] == [
            "成立村级关爱工作领导小组,逐户摸清留守儿童底数",
            "为每名留守儿童建立基本信息档案",
            "组织“爱心妈妈”等结对帮扶",
        ]
        shown_en = json.loads(ok(run("--lang", "en", "schedule", "list", "--month", "3", "-f", "json", db=path)))
        assert [item["text"] for item in shown_en] == [
            "set up the village care team and survey every household",
            "open a record for every left-behind child",
            "pair children with helpers (loving mothers and others)",
        ]


def test_schedule_add_prints_the_id_and_the_item_is_listed(lbc, db):
    result = lbc("schedule", "add", "10", "组织重阳节看望老人活动")
    assert ok(result) == "14\n"
    assert "10" in result.err
    assert lines(ok(lbc("schedule", "list", "--month", "10", "-f", "csv"))) == [
        "id,month,text",
        "14,10,组织重阳节看望老人活动",
    ]
    assert rows(db, "SELECT count(*) FROM schedule_items") == [(14,)]


def test_schedule_add_goes_after_the_months_other_items(lbc):
    assert lines(ok(lbc("schedule", "add", "9", "开学家访"))) == ["14"]
    ids = [line.split(",")[0] for line in lines(ok(lbc("schedule", "list", "--month", "9", "-f", "csv")))[1:]]
    assert ids == ["6", "7", "8", "14"]


def test_schedule_remove_deletes_the_item(lbc, db):
    ok(lbc("schedule", "add", "10", "组织重阳节看望老人活动"))
    result = lbc("schedule", "remove", "14")
    assert ok(result) == ""
    assert result.err == "removed schedule item 14\n"
    assert rows(db, "SELECT count(*) FROM schedule_items WHERE id = 14") == [(0,)]
    ok(lbc("schedule", "remove", "1"))  # a seeded item too
    assert [line.split(",")[0] for line in lines(ok(lbc("schedule", "list", "--month", "3", "-f", "csv")))[1:]] == [
        "2",
        "3",
    ]
    assert rows(db, "SELECT count(*) FROM schedule_items") == [(12,)]


def test_schedule_remove_unknown_id_is_refused(lbc, db):
    result = lbc("schedule", "remove", "99")
    refused(result)
    assert "no schedule item 99" in result.err
    assert rows(db, "SELECT count(*) FROM schedule_items") == [(13,)]


@pytest.mark.parametrize("month", ["13", "0", "-1", "九"])
def test_schedule_add_bad_month_is_a_usage_error(lbc, db, month):
    refused(lbc("schedule", "add", month, "text"), 2)
    assert rows(db, "SELECT count(*) FROM schedule_items") == [(13,)]


def test_schedule_list_bad_month_is_a_usage_error(lbc):
    refused(lbc("schedule", "list", "--month", "13"), 2)
