"""`lbc child list --format csv` at a county's size: the database prints the lines, Python only puts each
child's helpers in. Every byte must be what the general path (a dict a row, csv.writer) writes; the
hostile cells are spelled out here from the spec's rules (formula prefix, masking, CSV quoting)."""

import sqlite3
from datetime import date

import pytest
from sqlalchemy import select

from lbc_cli import sqlcsv, store, validate
from lbc_cli.db import Database
from lbc_cli.models import Child
from tests.conftest import execute

HOSTILE_NAMES = [
    "王,一",
    '李"二"',
    "=张三",
    "'=引号",
    "''+两个",
    "'普通",
    "-负",
    "+86",
    "@at",
    "赵\ttab",
    "曾明",
    "陈静",
]

OPTIONS = [
    (),
    ("--reveal",),
    ("--status", "all"),
    ("--status", "exited"),
    ("--village", "柳河村"),
    ("--village", "石桥,村"),
    ("--flag", "hardship"),
    ("--priority",),
    ("--unpaired",),
    ("--as-of", "2010-01-01"),  # before every birth: ages below zero print as numbers, not neutralised
    ("--as-of", "2024-02-29", "--status", "all", "--reveal"),
]


def _enroll(lbc, name: str, birth: str, *args: str) -> None:
    # enrolled before the pairings below begin (a pairing before its child's enrolment is refused)
    result = lbc(
        "enroll", "--gender", "F", "--birth", birth, "--enrolled-on", "2024-01-01", "--force", *args, "--", name
    )
    assert result.code == 0, (name, result.err)


@pytest.fixture
def county(lbc, db):
    """Children and helpers whose cells need every rule: commas, quotes, formulas, tabs, several helpers."""
    for i, name in enumerate(HOSTILE_NAMES, start=1):
        phone = f"1380000{i:04d}"
        _enroll(lbc, name, f"2015-{i:02d}-{i + 10:02d}", "--village", "柳河村", "--guardian", f"监护{name}",
                "--guardian-phone", phone)  # fmt: skip
    _enroll(lbc, "X", "2016-02-29", "--village", "石桥,村", "--guardian", "=G", "--guardian-phone", "0571-88889999",
            "--flag", "hardship")  # fmt: skip
    _enroll(lbc, "Y", "2014-08-31", "--village", '"村"', "--guardian", "'x", "--flag", "problem")
    _enroll(lbc, "Z", "2014-09-01")
    for helper in ["赵,老师", "=钱", '孙"师"', "李老师", "阿姨", "'周"]:
        assert lbc("helper", "add", helper, "--role", "volunteer").code == 0, helper
    for child, helper in [("王,一", "赵,老师"), ("王,一", "李老师"), ("王,一", "阿姨"), ("X", "=钱"), ("Y", '孙"师"'),
                          ("曾明", "'周"), ("曾明", "阿姨"), ("陈静", "李老师")]:  # fmt: skip
        assert lbc("pair", child, helper, "--since", "2024-01-01").code == 0, (child, helper)
    assert lbc("pair", "end", "陈静", "李老师", "--date", "2024-06-01").code == 0
    assert lbc("child", "exit", "Z", "--reason", "moved", "--date", date.today().isoformat()).code == 0
    return db


def _lists(lbc, options) -> dict[tuple, str]:
    out = {}
    for args in options:
        result = lbc("child", "list", "--format", "csv", "--as-of", "2024-09-01", *args)
        assert result.code == 0, (args, result.err)
        out[args] = result.out
    return out


def test_database_lines_are_the_general_paths_bytes(lbc, county, monkeypatch):
    fast = _lists(lbc, OPTIONS)
    monkeypatch.setattr(sqlcsv, "roster_lines", lambda *a, **k: None)  # the general path, csv.writer
    assert _lists(lbc, OPTIONS) == fast
    lines = fast[()].split("\r\n")
    assert (
        lines[0] == "id,name,gender,birth_date,age,village,schooling,guardian_name,guardian_phone,flags,helpers,status"
    )
    by_id = {line.split(",", 1)[0]: line for line in lines[1:] if line}
    # the cells by the spec's rules: a formula gets one more leading quote; a comma or a quote, CSV quotes;
    # helpers in pinyin order (a < li < zhao), joined by ';', as one cell
    assert by_id["1"] == '1,"王,一",F,2015-01-11,9,柳河村,,"监护王,一",138****0001,,"阿姨;李老师;赵,老师",active'
    assert by_id["2"].startswith('2,"李""二""",F,')
    assert by_id["3"].startswith("3,'=张三,") and ",监护=张三," in by_id["3"]
    assert by_id["4"].startswith("4,''=引号,") and by_id["6"].startswith("6,'普通,")
    assert by_id["7"].startswith("7,'-负,") and by_id["9"].startswith("9,'@at,")
    assert by_id["11"].endswith((",'周;阿姨,active", ",阿姨;'周,active"))  # where "'" sorts is the collation's
    assert by_id["12"].endswith(",,active")  # the pairing ended before the day asked about
    assert by_id["13"] == "13,X,F,2016-02-29,8,\"石桥,村\",,'=G,057******9999,hardship,'=钱,active"
    assert by_id["14"] == '14,Y,F,2014-08-31,10,"""村""",,\'x,,problem,"孙""师""",active'
    assert "15,Z," not in fast[()] and "15,Z," in fast[("--status", "all")]
    assert "0571-88889999" in fast[("--reveal",)]
    assert ",-6,柳河村," in fast[("--as-of", "2010-01-01")]  # 王,一 born 2015-01-11: no quote before a number


def test_cells_only_the_database_can_hold_take_the_careful_lines(lbc, county, monkeypatch):
    """Line breaks and CRs cannot come in through lbc, an empty phone neither; a file edited by hand may hold them."""
    execute(county, "UPDATE children SET guardian_name = ? WHERE name = ?", "两\n行", "曾明")
    execute(county, "UPDATE children SET village = ? WHERE name = ?", "CR\r村", "陈静")
    execute(county, "UPDATE children SET guardian_phone = ? WHERE name = ?", "", "@at")
    execute(county, "UPDATE children SET guardian_phone = ? WHERE name = ?", "123", "+86")
    execute(county, "UPDATE children SET guardian_name = ? WHERE name = ?", "\t首", "赵\ttab")
    fast = _lists(lbc, OPTIONS[:2])
    monkeypatch.setattr(sqlcsv, "roster_lines", lambda *a, **k: None)
    assert _lists(lbc, OPTIONS[:2]) == fast
    masked = fast[()]
    assert ',"两\n行",138****0011,' in masked and ',"CR\r村",,' in masked
    assert ",监护@at,,,,active" in masked and ",***," in masked  # an empty phone stays empty
    assert ",'\t首," in masked


@pytest.mark.parametrize(
    "text", ["", "a", "1234567", "12345678", "0571-88889999", "+8613812345678", "中文电话号码一二三四五"]
)
def test_sqlite_masks_as_validate_mask(text):
    connection = sqlite3.connect(":memory:")
    connection.execute('CREATE TABLE t ("guardian_phone" TEXT)')
    connection.execute("INSERT INTO t VALUES (?)", (text,))
    masked = connection.execute(f"SELECT {sqlcsv.mask_sql('guardian_phone')} FROM t").fetchone()[0]
    assert masked == validate.mask(text)


@pytest.mark.parametrize(
    ("line", "care"),
    [
        ("1,张三,2015-01-01,柳河村,", False),
        ("1,张-三,2015-01-01,村-,", False),
        ("1,张三,,,", False),
        ("1,张,三,2015-01-01,村,", True),  # a comma in a cell: one comma too many
        ('1,"张三",2015-01-01,村,', True),
        ("1,张\r三,2015-01-01,村,", True),
        ("1,=张三,2015-01-01,村,", True),
        ("1,张三,-1,村,", True),  # a negative age: looked at again, printed the same
        ("-1,张三,2015-01-01,村,", True),
        ("1,'张三,2015-01-01,村,", True),
        ("1,张三,2015-01-01,\t村,", True),
        ("1,+86,2015-01-01,村,", True),
        ("1,@a,2015-01-01,村,", True),
    ],
)
def test_lines_that_might_need_care_are_found(line, care):
    found = sqlcsv._needing_care([line], 4)
    assert found == ([0] if care else [])
    # among many clean lines, the one line and no other
    lines = ["9,李四,2015-01-01,柳河村,"] * 50 + [line] + ["9,王五,2015-01-01,柳河村,"] * 50
    assert sqlcsv._needing_care(lines, 4) == ([50] if care else [])


def test_a_line_break_in_a_cell_is_found():
    assert sqlcsv._needing_care(["1,两\n行,x,y,", "2,a,b,c,"], 4) == [0]
    assert sqlcsv._needing_care([], 4) == []


def test_helpers_joined_are_active_helper_names_joined(lbc, county):
    database = Database(str(county)).open()
    try:
        with database.session() as session:
            for as_of in (date(2024, 3, 1), date(2024, 9, 1), date(2023, 1, 1)):
                names = store.active_helper_names(session=session, as_of=as_of)
                joined = store.active_helpers_joined(session=session, as_of=as_of)
                assert joined == {child: ";".join(helpers) for child, helpers in names.items()}
                village = store.active_helpers_joined(session=session, as_of=as_of, village="石桥,村")
                ids = set(session.execute(select(Child.id).where(Child.village == "石桥,村")).scalars())
                assert village == {child: text for child, text in joined.items() if child in ids}
            assert store.active_helpers_joined(session=session, as_of=date(2024, 9, 1))[1] == "阿姨;李老师;赵,老师"
    finally:
        database.dispose()


def test_an_empty_roster_is_the_header_alone(lbc, db):
    result = lbc("child", "list", "--format", "csv")
    assert result.code == 0, result.err
    assert (
        result.out
        == "id,name,gender,birth_date,age,village,schooling,guardian_name,guardian_phone,flags,helpers,status\r\n"
    )
