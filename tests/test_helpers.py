"""lbc helper add/list/show/update (SPEC sections 2, 3, 4, 8): every expected value written out by hand."""

import csv
import io
import json

import pytest
from conftest import execute, rows

HELPER_CSV_COLUMNS = ["id", "name", "role", "phone", "organization", "village", "active", "children"]


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def add(lbc, name: str, role: str, *extra: str) -> str:
    result = lbc("helper", "add", name, "--role", role, *extra)
    assert result.code == 0, result.err
    return result.out.strip()


def audit(db, table: str = "helpers") -> list[tuple]:
    return rows(
        db,
        "SELECT command, table_name, row_id, action, old_values, new_values FROM audit_log WHERE table_name = ?"
        " ORDER BY id",
        table,
    )


# ---- helper add ------------------------------------------------------------------------------


def test_add_prints_only_the_new_id_and_writes_the_row(lbc, db):
    result = lbc(
        "helper", "add", "张老师", "--role", "class-teacher", "--phone", "13800001234",
        "--org", "镇中心小学", "--village", "李家村",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert result.out == "1\n"
    assert rows(db, "SELECT id, name, role, phone, organization, village, active FROM helpers") == [
        (1, "张老师", "class-teacher", "13800001234", "镇中心小学", "李家村", 1)
    ]


def test_add_numbers_helpers_one_after_another(lbc):
    assert add(lbc, "张老师", "class-teacher") == "1"
    assert add(lbc, "李妈妈", "loving-mother") == "2"
    assert add(lbc, "王叔叔", "temp-dad") == "3"


@pytest.mark.parametrize(
    ("given", "slug"),
    [
        ("班主任", "class-teacher"),
        ("爱心妈妈", "loving-mother"),
        ("临时爸爸", "temp-dad"),
        ("代理家长", "proxy-parent"),
        ("大学生村官", "village-official"),
        ("儿童主任", "children-director"),
        ("牵手扶助志愿者", "volunteer"),
        ("党员", "party-member"),
        ("村干部", "village-cadre"),
        ("其他", "other"),
        ("loving-mother", "loving-mother"),
        ("class-teacher", "class-teacher"),
    ],
)
def test_add_role_accepts_slug_or_chinese_label(lbc, db, given, slug):
    add(lbc, "周晓燕", given)
    assert rows(db, "SELECT role FROM helpers") == [(slug,)]


def test_add_without_role_is_a_usage_error_and_writes_nothing(lbc, db):
    result = lbc("helper", "add", "张老师")
    assert result.code == 2
    assert "--role" in result.err
    assert result.out == ""
    assert rows(db, "SELECT COUNT(*) FROM helpers") == [(0,)]


@pytest.mark.parametrize("role", ["nope", "teacher", "班长"])
def test_add_with_unknown_role_is_a_usage_error(lbc, db, role):
    result = lbc("helper", "add", "张老师", "--role", role)
    assert result.code == 2
    assert role in result.err
    assert "Traceback" not in result.err
    assert rows(db, "SELECT COUNT(*) FROM helpers") == [(0,)]


@pytest.mark.parametrize("phone", ["123", "2380000123", "138000012345", "1380000123a", "phone"])
def test_add_with_bad_phone_is_refused_and_nothing_is_written(lbc, db, phone):
    result = lbc("helper", "add", "张老师", "--role", "班主任", "--phone", phone)
    assert result.code == 1
    assert result.out == ""
    assert "phone" in result.err
    assert rows(db, "SELECT COUNT(*) FROM helpers") == [(0,)]
    assert rows(db, "SELECT COUNT(*) FROM audit_log") == [(0,)]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("13800001234", "13800001234"),
        ("+86 138-0000-1234", "13800001234"),
        ("+8613800001234", "13800001234"),
        ("138 0000 1234", "13800001234"),
        ("0731-84561234", "0731-84561234"),
    ],
)
def test_add_stores_the_phone_normalised(lbc, db, given, stored):
    add(lbc, "张老师", "other", "--phone", given)
    assert rows(db, "SELECT phone FROM helpers") == [(stored,)]


def test_add_with_empty_name_is_refused(lbc, db):
    result = lbc("helper", "add", "  ", "--role", "other")
    assert result.code == 1
    assert rows(db, "SELECT COUNT(*) FROM helpers") == [(0,)]


def test_add_is_audited_without_its_arguments(lbc, db):
    add(lbc, "张老师", "班主任", "--phone", "13800001234")
    [(command, table, row_id, action, old, new)] = audit(db)
    assert (command, table, row_id, action, old) == ("lbc helper add", "helpers", 1, "insert", None)
    values = json.loads(new)
    assert (values["name"], values["role"], values["phone"]) == ("张老师", "class-teacher", "13800001234")


# ---- helper list -----------------------------------------------------------------------------


@pytest.fixture
def five(lbc):
    """Five helpers added out of pinyin order: 张伟 1, 陈静 2, 曾敏 3, 王芳 4, 李娜 5."""
    add(lbc, "张伟", "class-teacher", "--phone", "13800001234", "--org", "镇中心小学")
    add(lbc, "陈静", "loving-mother", "--phone", "0731-84561234", "--village", "王庄村")
    add(lbc, "曾敏", "volunteer", "--village", "李家村")
    add(lbc, "王芳", "class-teacher", "--village", "李家村")
    add(lbc, "李娜", "proxy-parent", "--phone", "13912345678", "--village", "陈湾村")


def test_list_is_in_pinyin_order(lbc, five):
    result = lbc("helper", "list", "--format", "csv")
    assert result.code == 0, result.err
    # chen jing < li na < wang fang < zeng min (曾 as a surname reads zeng) < zhang wei
    assert [r[1] for r in csv_rows(result.out)[1:]] == ["陈静", "李娜", "王芳", "曾敏", "张伟"]
    assert [r[0] for r in csv_rows(result.out)[1:]] == ["2", "5", "4", "3", "1"]


def test_list_csv_has_the_fixed_columns_and_masks_phones(lbc, five):
    result = lbc("helper", "list", "--format", "csv")
    assert result.code == 0, result.err
    table = csv_rows(result.out)
    assert table[0] == HELPER_CSV_COLUMNS
    assert table[1:] == [
        ["2", "陈静", "loving-mother", "073******1234", "", "王庄村", "1", "0"],
        ["5", "李娜", "proxy-parent", "139****5678", "", "陈湾村", "1", "0"],
        ["4", "王芳", "class-teacher", "", "", "李家村", "1", "0"],
        ["3", "曾敏", "volunteer", "", "", "李家村", "1", "0"],
        ["1", "张伟", "class-teacher", "138****1234", "镇中心小学", "", "1", "0"],
    ]
    assert "13800001234" not in result.out
    assert "84561234" not in result.out


def test_list_reveal_shows_phones_in_full(lbc, five):
    result = lbc("helper", "list", "--format", "csv", "--reveal")
    assert result.code == 0, result.err
    phones = {r[1]: r[3] for r in csv_rows(result.out)[1:]}
    assert phones == {"陈静": "0731-84561234", "李娜": "13912345678", "王芳": "", "曾敏": "", "张伟": "13800001234"}


def test_list_table_masks_phones_too(lbc, five):
    result = lbc("helper", "list")
    assert result.code == 0, result.err
    assert "138****1234" in result.out
    assert "13800001234" not in result.out
    assert result.out.index("陈静") < result.out.index("李娜") < result.out.index("张伟")


def test_list_json_has_the_csv_columns_as_keys(lbc, five):
    result = lbc("helper", "list", "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert [list(item) for item in data] == [HELPER_CSV_COLUMNS] * 5
    assert data[0] == {
        "id": 2,
        "name": "陈静",
        "role": "loving-mother",
        "phone": "073******1234",
        "organization": None,
        "village": "王庄村",
        "active": 1,
        "children": 0,
    }


@pytest.mark.parametrize("role", ["class-teacher", "班主任"])
def test_list_filters_by_role_slug_or_label(lbc, five, role):
    result = lbc("helper", "list", "--format", "csv", "--role", role)
    assert result.code == 0, result.err
    assert [r[:3] for r in csv_rows(result.out)[1:]] == [["4", "王芳", "class-teacher"], ["1", "张伟", "class-teacher"]]


def test_list_with_unknown_role_is_a_usage_error(lbc, five):
    result = lbc("helper", "list", "--role", "nope")
    assert result.code == 2
    assert result.out == ""


def test_list_filters_by_village(lbc, five):
    result = lbc("helper", "list", "--format", "csv", "--village", "李家村")
    assert [r[1] for r in csv_rows(result.out)[1:]] == ["王芳", "曾敏"]


def test_list_hides_inactive_helpers_unless_all(lbc, five):
    assert lbc("helper", "update", "1", "--inactive").code == 0
    shown = lbc("helper", "list", "--format", "csv")
    assert [r[1] for r in csv_rows(shown.out)[1:]] == ["陈静", "李娜", "王芳", "曾敏"]
    everyone = lbc("helper", "list", "--format", "csv", "--all")
    assert [(r[1], r[6]) for r in csv_rows(everyone.out)[1:]] == [
        ("陈静", "1"),
        ("李娜", "1"),
        ("王芳", "1"),
        ("曾敏", "1"),
        ("张伟", "0"),
    ]


def test_list_counts_the_children_each_helper_looks_after(lbc, db, five):
    for name in ("王小明", "李小红", "陈小刚"):
        assert lbc("enroll", name, "--gender", "M", "--birth", "2015-03-04", "--enrolled-on", "2024-09-01").code == 0
    for pairing in [
        ("p1", 1, 1, "2024-09-01", None),  # 张伟: 王小明, active
        ("p2", 2, 1, "2024-09-01", None),  # 张伟: 李小红, active
        ("p3", 3, 2, "2024-09-01", "2024-12-31"),  # 陈静: ended
        ("p4", 3, 5, "2025-01-01", None),  # 李娜: 陈小刚, active
    ]:
        execute(
            db, "INSERT INTO pairings (uid, child_id, helper_id, start_date, end_date) VALUES (?, ?, ?, ?, ?)", *pairing
        )
    result = lbc("helper", "list", "--format", "csv")
    assert result.code == 0, result.err
    assert {r[1]: r[7] for r in csv_rows(result.out)[1:]} == {
        "陈静": "0",
        "李娜": "1",
        "王芳": "0",
        "曾敏": "0",
        "张伟": "2",
    }


def test_list_on_an_empty_database_has_the_header_only(lbc):
    result = lbc("helper", "list", "--format", "csv")
    assert result.code == 0, result.err
    assert csv_rows(result.out) == [HELPER_CSV_COLUMNS]


# ---- helper show -----------------------------------------------------------------------------


@pytest.mark.parametrize("ref", ["1", "张晓燕", "zxy", "zhangxiaoyan"])
def test_show_finds_a_helper_by_id_name_or_pinyin(lbc, ref):
    add(lbc, "张晓燕", "爱心妈妈", "--phone", "13800001234", "--village", "王庄村")
    add(lbc, "李娜", "other")
    result = lbc("helper", "show", ref, "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert (data["id"], data["name"], data["role"], data["village"]) == (1, "张晓燕", "loving-mother", "王庄村")
    assert data["phone"] == "138****1234"
    assert data["active"] == 1
    assert data["pairings"] == []


def test_show_reveal_shows_the_phone(lbc):
    add(lbc, "张晓燕", "爱心妈妈", "--phone", "13800001234")
    assert json.loads(lbc("helper", "show", "1", "--format", "json", "--reveal").out)["phone"] == "13800001234"


def test_show_table_is_a_card_with_the_masked_phone(lbc):
    add(lbc, "张晓燕", "爱心妈妈", "--phone", "13800001234", "--org", "乡妇联")
    result = lbc("helper", "show", "张晓燕")
    assert result.code == 0, result.err
    for text in ("张晓燕", "loving mother", "138****1234", "乡妇联"):
        assert text in result.out
    assert "13800001234" not in result.out


def test_show_lists_the_paired_children(lbc, db):
    add(lbc, "张晓燕", "爱心妈妈")
    assert lbc("enroll", "王小明", "--gender", "M", "--birth", "2015-03-04", "--enrolled-on", "2024-09-01").code == 0
    execute(db, "INSERT INTO pairings (uid, child_id, helper_id, start_date) VALUES ('p1', 1, 1, '2024-09-02')")
    data = json.loads(lbc("helper", "show", "1", "--format", "json").out)
    assert data["pairings"] == [{"child_id": 1, "child": "王小明", "start_date": "2024-09-02", "end_date": None}]


def test_show_an_ambiguous_name_exits_1_listing_the_candidates(lbc):
    add(lbc, "张老师", "班主任", "--village", "李家村")
    add(lbc, "李娜", "other")
    add(lbc, "张老师", "volunteer", "--village", "王庄村")
    result = lbc("helper", "show", "张老师")
    assert result.code == 1
    assert result.out == ""
    lines = result.err.splitlines()
    assert any(line.split()[:3] == ["1", "张老师", "李家村"] for line in lines), result.err
    assert any(line.split()[:3] == ["3", "张老师", "王庄村"] for line in lines), result.err
    assert "李娜" not in result.err


def test_show_ambiguous_pinyin_initials_exit_1(lbc):
    add(lbc, "张伟", "other")
    add(lbc, "章薇", "other")
    result = lbc("helper", "show", "zw")
    assert result.code == 1
    assert "张伟" in result.err and "章薇" in result.err


def test_show_an_ambiguous_name_by_id_works(lbc):
    add(lbc, "张老师", "班主任")
    add(lbc, "张老师", "volunteer")
    data = json.loads(lbc("helper", "show", "2", "--format", "json").out)
    assert (data["id"], data["role"]) == (2, "volunteer")


@pytest.mark.parametrize("ref", ["9", "王五", "ww"])
def test_show_unknown_helper_exits_1(lbc, ref):
    add(lbc, "张老师", "班主任")
    result = lbc("helper", "show", ref)
    assert result.code == 1
    assert result.out == ""
    assert ref in result.err


# ---- helper update ---------------------------------------------------------------------------


def test_update_changes_fields_and_audits_old_and_new_values(lbc, db):
    add(lbc, "张老师", "班主任", "--phone", "13800001234", "--village", "李家村")
    result = lbc("helper", "update", "张老师", "--phone", "139-0000-5678", "--village", "王庄村", "--org", "镇初级中学")
    assert result.code == 0, result.err
    assert result.out == ""
    assert rows(db, "SELECT name, role, phone, organization, village, active FROM helpers") == [
        ("张老师", "class-teacher", "13900005678", "镇初级中学", "王庄村", 1)
    ]
    command, table, row_id, action, old, new = audit(db)[-1]
    assert (command, table, row_id, action) == ("lbc helper update", "helpers", 1, "update")
    assert json.loads(old) == {"phone": "13800001234", "organization": None, "village": "李家村"}
    assert json.loads(new) == {"phone": "13900005678", "organization": "镇初级中学", "village": "王庄村"}


def test_update_inactive_and_active_again(lbc, db):
    add(lbc, "张老师", "班主任")
    assert lbc("helper", "update", "1", "--inactive").code == 0
    assert rows(db, "SELECT active FROM helpers") == [(0,)]
    _command, _table, _row, _action, old, new = audit(db)[-1]
    # inactive from today (SPEC section 10: inactive_on kept with active)
    assert json.loads(old) == {"active": True, "inactive_on": None}
    assert (
        json.loads(new)["active"] is False
        and json.loads(new)["inactive_on"] == rows(db, "SELECT inactive_on FROM helpers")[0][0]
    )
    assert lbc("helper", "update", "1", "--active").code == 0
    assert rows(db, "SELECT active FROM helpers") == [(1,)]


def test_update_role_by_chinese_label(lbc, db):
    add(lbc, "张老师", "班主任")
    assert lbc("helper", "update", "zls", "--role", "爱心妈妈").code == 0
    assert rows(db, "SELECT role FROM helpers") == [("loving-mother",)]
    _command, _table, _row, _action, old, new = audit(db)[-1]
    assert (json.loads(old), json.loads(new)) == ({"role": "class-teacher"}, {"role": "loving-mother"})


def test_update_name_moves_the_helper_in_pinyin_order(lbc):
    add(lbc, "李娜", "other")
    add(lbc, "张伟", "other")
    assert lbc("helper", "update", "2", "--name", "艾伟").code == 0
    result = lbc("helper", "list", "--format", "csv")
    assert [r[1] for r in csv_rows(result.out)[1:]] == ["艾伟", "李娜"]
    assert json.loads(lbc("helper", "show", "aw", "--format", "json").out)["id"] == 2


def test_update_with_nothing_to_change_is_a_usage_error(lbc, db):
    add(lbc, "张老师", "班主任")
    before = rows(db, "SELECT COUNT(*) FROM audit_log")
    result = lbc("helper", "update", "1")
    assert result.code == 2
    assert result.out == ""
    assert rows(db, "SELECT COUNT(*) FROM audit_log") == before


def test_update_with_a_bad_phone_is_refused_and_nothing_changes(lbc, db):
    add(lbc, "张老师", "班主任", "--phone", "13800001234")
    before = rows(db, "SELECT * FROM helpers"), rows(db, "SELECT COUNT(*) FROM audit_log")
    result = lbc("helper", "update", "1", "--phone", "12345", "--village", "王庄村")
    assert result.code == 1
    assert (rows(db, "SELECT * FROM helpers"), rows(db, "SELECT COUNT(*) FROM audit_log")) == before


def test_update_with_a_bad_role_is_a_usage_error(lbc, db):
    add(lbc, "张老师", "班主任")
    result = lbc("helper", "update", "1", "--role", "headmaster")
    assert result.code == 2
    assert rows(db, "SELECT role FROM helpers") == [("class-teacher",)]


def test_update_an_unknown_helper_exits_1(lbc, db):
    add(lbc, "张老师", "班主任")
    result = lbc("helper", "update", "王五", "--village", "王庄村")
    assert result.code == 1
    assert rows(db, "SELECT village FROM helpers") == [(None,)]


def test_update_an_ambiguous_name_exits_1_and_changes_nothing(lbc, db):
    add(lbc, "张老师", "班主任")
    add(lbc, "张老师", "volunteer")
    result = lbc("helper", "update", "张老师", "--village", "王庄村")
    assert result.code == 1
    assert rows(db, "SELECT village FROM helpers") == [(None,), (None,)]
