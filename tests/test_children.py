"""The children commands: enroll, child list/show/update/exit/review/duplicates (SPEC sections 2, 3, 4, 8).

Every expected value is worked out here from the spec's rules (ages from fixed dates, GB 11643 check digits,
masks of 3 + stars + 4); nothing is computed by calling lbc's own code.
"""

import csv
import io
import json
import re
from datetime import date, timedelta

import pytest
from conftest import rows

ENROLLED = "2024-09-01"

# SPEC section 8: the children export columns; `child show --format json` holds at least these keys.
SPEC_CHILD_COLUMNS = (
    "id,uid,name,gender,ethnicity,birth_date,id_number,village,village_group,address,school,grade,class_name,"
    "schooling,boarding,health,guardian_name,guardian_relation,guardian_phone,guardian_rating,care_agreement_on,"
    "consent_on,father_away,father_work_place,father_phone,mother_away,mother_work_place,mother_phone,flags,"
    "assistance,hobbies,family_notes,status,exit_reason,exit_date,enrolled_on,reviewed_on"
).split(",")
LIST_HEADER = "id,name,gender,birth_date,age,village,schooling,guardian_name,guardian_phone,flags,helpers,status"


# ---- GB 11643-1999 resident id numbers, written out independently of lbc ------------------------------

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def gb11643(first17: str) -> str:
    """The full 18-character id number: the check character is '10X98765432'[sum(digit * weight) mod 11]."""
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


# 110105 (area) + 20150304 (birth) + 001 (sequence, odd = male); the check digit worked out by hand:
# 1*7+1*9+0*10+1*5+0*8+5*4+2*2+0*1+1*6+5*3+0*7+3*9+0*10+4*5+0*8+0*4+1*2 = 138; 138 mod 11 = 6 -> '7'.
ID_ZHANG = "110105201503040017"
# 510104 + 20140615 + 002 (even = female).
ID_LI = gb11643("51010420140615002")


def test_id_number_helper_matches_the_standard_example():
    # The standard's own example number, and the one worked out by hand above.
    assert gb11643("11010519491231002") == "11010519491231002X"
    assert gb11643("11010520150304001") == ID_ZHANG


# ---- helpers ------------------------------------------------------------------------------------------


def enroll(lbc, name, *args, gender="M", birth="2015-03-04", enrolled=ENROLLED):
    extra = ["--enrolled-on", enrolled] if enrolled else []
    return lbc("enroll", name, "--gender", gender, "--birth", birth, *extra, *args)


def enrolled_id(lbc, name, *args, **kw) -> int:
    result = enroll(lbc, name, *args, **kw)
    assert result.code == 0, result.err
    assert re.fullmatch(r"\d+\n", result.out), result.out
    return int(result.out)


def snapshot(db) -> tuple:
    """Everything a refused command must leave as it was."""
    return rows(db, "SELECT * FROM children ORDER BY id"), rows(db, "SELECT * FROM audit_log ORDER BY id")


def assert_refused(result, code: int, field: str, db, before) -> None:
    """Exit code, nothing on stdout, one error line naming the field, no traceback, nothing written."""
    assert result.code == code, (result.code, result.err)
    assert result.out == ""
    assert "Traceback" not in result.err
    # Warnings (a missing consent date...) may come first; the refusal itself is one line.
    lines = [line for line in result.err.strip().splitlines() if not line.startswith(("warning", "警告"))]
    assert len(lines) == 1, result.err
    assert re.search(field, lines[0]), lines[0]
    assert snapshot(db) == before


def child_row(db, child_id: int, *columns: str) -> tuple:
    return rows(db, f"SELECT {', '.join(columns)} FROM children WHERE id = ?", child_id)[0]


def list_csv(lbc, *args) -> list[dict]:
    result = lbc("child", "list", "--format", "csv", *args)
    assert result.code == 0, result.err
    return list(csv.DictReader(io.StringIO(result.out)))


def names(table: list[dict]) -> list[str]:
    return [r["name"] for r in table]


def last_audit(db) -> tuple:
    return rows(db, "SELECT table_name, row_id, action, old_values, new_values FROM audit_log ORDER BY id DESC")[0]


def future(days: int = 40) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


# ---- enroll -------------------------------------------------------------------------------------------


def test_enroll_prints_only_the_new_id_on_stdout(lbc, db):
    first = enroll(lbc, "张伟")
    second = enroll(lbc, "李娜", gender="F")
    assert (first.code, first.out) == (0, "1\n")
    assert (second.code, second.out) == (0, "2\n")
    # stderr may carry warnings (a missing consent date...), never an error or the id itself.
    for result in (first, second):
        assert "error" not in result.err.lower()
        assert not re.search(r"^\d+$", result.err, re.M)
    assert rows(db, "SELECT id, name FROM children ORDER BY id") == [(1, "张伟"), (2, "李娜")]
    # The insert is audited.
    assert rows(db, "SELECT table_name, row_id, action FROM audit_log ORDER BY id") == [
        ("children", 1, "insert"),
        ("children", 2, "insert"),
    ]
    # SPEC section 8: when, OS user, command, table, id, new values.
    for at, user, command, new in rows(db, "SELECT at, os_user, command, new_values FROM audit_log"):
        assert re.match(r"\d{4}-\d\d-\d\dT", at)
        assert user
        assert command.startswith("lbc enroll")
        assert json.loads(new)["birth_date"] == "2015-03-04"


def test_enroll_stores_every_fixed_option_in_its_column(lbc, db):
    result = lbc(
        "enroll",
        "李小红",
        "--gender", "F",
        "--birth", "2014-06-15",
        "--village", "李家村",
        "--group", "三组",
        "--address", "李家村三组12号",
        "--id-number", ID_LI,
        "--ethnicity", "汉族",
        "--school", "李家村小学",
        "--grade", "4",
        "--class", "4(2)班",
        "--schooling", "primary",
        "--boarding",
        "--health", "ill",
        "--guardian", "李奶奶",
        "--guardian-relation", "grandparent",
        "--guardian-phone", "+86 138-1234-5678",
        "--guardian-rating", "fair",
        "--care-agreement-on", "2024-09-02",
        "--consent-on", "2024-08-30",
        "--away", "both",
        "--father-work", "广东东莞",
        "--father-phone", "139 0000 1111",
        "--mother-work", "浙江义乌",
        "--mother-phone", "0571-88889999",
        "--flag", "hardship",
        "--flag", "single-parent",
        "--assistance", "dibao",
        "--assistance", "medical",
        "--hobbies", "画画",
        "--note", "父母春节回家",
        "--enrolled-on", "2024-09-03",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert result.out == "1\n"
    row = rows(db, f"SELECT {', '.join(SPEC_CHILD_COLUMNS)} FROM children WHERE id = 1")[0]
    got = dict(zip(SPEC_CHILD_COLUMNS, row, strict=True))
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", got.pop("uid"))
    got["flags"] = set(got["flags"].split(";"))
    got["assistance"] = set(got["assistance"].split(";"))
    assert got == {
        "id": 1,
        "name": "李小红",
        "gender": "F",
        "ethnicity": "汉族",
        "birth_date": "2014-06-15",
        "id_number": ID_LI,
        "village": "李家村",
        "village_group": "三组",
        "address": "李家村三组12号",
        "school": "李家村小学",
        "grade": 4,
        "class_name": "4(2)班",
        "schooling": "primary",
        "boarding": 1,
        "health": "ill",
        "guardian_name": "李奶奶",
        "guardian_relation": "grandparent",
        "guardian_phone": "13812345678",
        "guardian_rating": "fair",
        "care_agreement_on": "2024-09-02",
        "consent_on": "2024-08-30",
        "father_away": 1,
        "father_work_place": "广东东莞",
        "father_phone": "13900001111",
        "mother_away": 1,
        "mother_work_place": "浙江义乌",
        "mother_phone": "0571-88889999",
        "flags": {"hardship", "single-parent"},
        "assistance": {"dibao", "medical"},
        "hobbies": "画画",
        "family_notes": "父母春节回家",
        "status": "active",
        "exit_reason": None,
        "exit_date": None,
        "enrolled_on": "2024-09-03",
        # SPEC section 6: enrolling sets reviewed_on.
        "reviewed_on": "2024-09-03",
    }


def test_enroll_minimal_record_defaults(lbc, db):
    child = enrolled_id(lbc, "王芳", gender="F")
    assert child_row(db, child, "father_away", "mother_away", "boarding", "flags", "assistance", "status") == (
        1,
        1,
        0,
        "",
        "",
        "active",
    )


@pytest.mark.parametrize(
    ("away", "father", "mother"),
    [("both", 1, 1), ("father", 1, 0), ("mother", 0, 1)],
)
def test_enroll_away_sets_which_parent_is_away(lbc, db, away, father, mother):
    child = enrolled_id(lbc, "王芳", "--away", away, gender="F")
    assert child_row(db, child, "father_away", "mother_away") == (father, mother)


@pytest.mark.parametrize(
    ("option", "label", "column", "slug"),
    [
        ("--gender", "女", "gender", "F"),
        ("--gender", "男", "gender", "M"),
        ("--schooling", "未入园", "schooling", "not-in-preschool"),
        ("--schooling", "幼儿园", "schooling", "preschool"),
        ("--schooling", "小学", "schooling", "primary"),
        ("--schooling", "初中", "schooling", "junior"),
        ("--schooling", "高中", "schooling", "senior"),
        ("--schooling", "中职", "schooling", "vocational"),
        ("--schooling", "辍学", "schooling", "dropout"),
        ("--schooling", "不在学", "schooling", "not-in-school"),
        ("--health", "健康", "health", "healthy"),
        ("--health", "残疾", "health", "disabled"),
        ("--health", "患病", "health", "ill"),
        ("--guardian-relation", "祖父母", "guardian_relation", "grandparent"),
        ("--guardian-relation", "外祖父母", "guardian_relation", "maternal-grandparent"),
        ("--guardian-relation", "父/母(在家一方)", "guardian_relation", "parent"),
        ("--guardian-relation", "其他亲属", "guardian_relation", "relative"),
        ("--guardian-relation", "其他", "guardian_relation", "other"),
        ("--guardian-relation", "无", "guardian_relation", "none"),
        ("--guardian-rating", "较好", "guardian_rating", "good"),
        ("--guardian-rating", "一般", "guardian_rating", "fair"),
        ("--guardian-rating", "差", "guardian_rating", "poor"),
        ("--flag", "问题留守儿童", "flags", "problem"),
        ("--flag", "困难留守儿童", "flags", "hardship"),
        ("--flag", "单亲", "flags", "single-parent"),
        ("--flag", "辍学风险", "flags", "dropout-risk"),
        ("--flag", "独居", "flags", "lives-alone"),
        ("--assistance", "低保", "assistance", "dibao"),
        ("--assistance", "特困", "assistance", "tekun"),
        ("--assistance", "临时救助", "assistance", "temporary"),
        ("--assistance", "医疗救助", "assistance", "medical"),
        ("--assistance", "住房救助", "assistance", "housing"),
        ("--assistance", "其他", "assistance", "other"),
    ],
)
def test_enroll_accepts_the_chinese_label_of_every_enum(lbc, db, option, label, column, slug):
    if option == "--gender":
        result = lbc("enroll", "王芳", "--gender", label, "--birth", "2015-03-04", "--enrolled-on", ENROLLED)
    else:
        result = enroll(lbc, "王芳", option, label)
    assert result.code == 0, result.err
    assert child_row(db, int(result.out), column) == (slug,)


def test_enroll_repeated_chinese_flags_store_a_set_of_slugs(lbc, db):
    child = enrolled_id(lbc, "王芳", "--flag", "独居", "--flag", "困难留守儿童", "--assistance", "特困", gender="F")
    flags, assistance = child_row(db, child, "flags", "assistance")
    assert set(flags.split(";")) == {"lives-alone", "hardship"}
    assert assistance == "tekun"


@pytest.mark.parametrize("form", ["2015-03-04", "2015/03/04", "2015.03.04", "2015年03月04日", "2015年3月4日"])
def test_enroll_accepts_every_date_form(lbc, db, form):
    child = enrolled_id(
        lbc,
        "王芳",
        "--care-agreement-on",
        form.replace("2015", "2024"),
        birth=form,
        enrolled=form.replace("2015", "2024"),
    )
    assert child_row(db, child, "birth_date", "enrolled_on", "care_agreement_on") == (
        "2015-03-04",
        "2024-03-04",
        "2024-03-04",
    )


def test_enroll_accepts_today(lbc, db):
    before = date.today().isoformat()
    child = enrolled_id(lbc, "王芳", "--consent-on", "today", enrolled="today")
    after = date.today().isoformat()
    consent, enrolled = child_row(db, child, "consent_on", "enrolled_on")
    assert consent in (before, after)
    assert enrolled in (before, after)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("+86 138-1234-5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("13812345678", "13812345678"),
        ("0571-88889999", "0571-88889999"),
        ("010-12345678", "010-12345678"),
    ],
)
def test_enroll_normalises_phones(lbc, db, given, stored):
    child = enrolled_id(lbc, "王芳", "--guardian-phone", given, "--father-phone", given, "--mother-phone", given)
    assert child_row(db, child, "guardian_phone", "father_phone", "mother_phone") == (stored, stored, stored)


def test_enroll_id_number_lowercase_x_is_stored_upper_case(lbc, db):
    # 11010520150304005X: sequence 005, check character X (worked out by gb11643 above).
    number = gb11643("11010520150304005")
    assert number.endswith("X")
    child = enrolled_id(lbc, "张三", "--id-number", number.lower())
    assert child_row(db, child, "id_number") == (number,)


# ---- enroll: refusals, nothing written ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--birth", "2015-13-01"], r"--birth"),
        (["--birth", "2015-02-30"], r"--birth"),
        (["--birth", "03/04/2015"], r"--birth"),
        (["--birth", "yesterday"], r"--birth"),
        (["--enrolled-on", "2024-9"], r"--enrolled-on"),
        (["--consent-on", "abc"], r"--consent-on"),
        (["--care-agreement-on", "2024-09-31"], r"--care-agreement-on"),
        (["--gender", "X"], r"--gender"),
        (["--schooling", "college"], r"--schooling"),
        (["--health", "sick"], r"--health"),
        (["--guardian-relation", "uncle"], r"--guardian-relation"),
        (["--guardian-rating", "bad"], r"--guardian-rating"),
        (["--flag", "orphan"], r"--flag"),
        (["--flag", "hardship", "--flag", "orphan"], r"--flag"),
        (["--assistance", "cash"], r"--assistance"),
        (["--away", "nobody"], r"--away"),
    ],
)
def test_enroll_refuses_bad_date_or_slug_with_exit_2(lbc, db, args, field):
    enrolled_id(lbc, "张伟")
    before = snapshot(db)
    # Options given later override the helper's defaults (click keeps the last value of a single option).
    result = lbc("enroll", "王芳", "--gender", "F", "--birth", "2015-03-04", "--enrolled-on", ENROLLED, *args)
    assert_refused(result, 2, field, db, before)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--birth", "2015-03-04"], r"--gender"),
        (["--gender", "F"], r"--birth"),
    ],
)
def test_enroll_refuses_missing_gender_or_birth_with_exit_2(lbc, db, args, field):
    enrolled_id(lbc, "张伟")
    before = snapshot(db)
    result = lbc("enroll", "王芳", *args, "--enrolled-on", ENROLLED)
    assert_refused(result, 2, field, db, before)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--guardian-phone", "1381234567"),  # 10 digits
        ("--guardian-phone", "138123456789"),  # 12 digits
        ("--father-phone", "23812345678"),  # 11 digits not starting with 1
        ("--mother-phone", "+1 138 1234 5678"),
        ("--guardian-phone", "phone"),
        ("--father-phone", "0571-123"),  # landline number too short
    ],
)
def test_enroll_refuses_invalid_phone_with_exit_1(lbc, db, option, value):
    enrolled_id(lbc, "张伟")
    before = snapshot(db)
    result = enroll(lbc, "王芳", option, value, gender="F")
    column = option.removeprefix("--").replace("-", "('s)?[-_ ]")
    assert_refused(result, 1, column, db, before)


@pytest.mark.parametrize(
    "number",
    [
        "110105201503040018",  # check digit should be 7
        "11010520150304001X",  # check digit should be 7
        "11010520150304001",  # 17 characters
        "1101052015030400170",  # 19 characters
        "11010520150304A017",  # a letter among the first 17
        gb11643("11010520150305001"),  # valid number, but born 2015-03-05 and --birth is 2015-03-04
        gb11643("11010520150231001"),  # valid check digit, impossible birth date
    ],
)
def test_enroll_refuses_bad_id_number_with_exit_1(lbc, db, number):
    enrolled_id(lbc, "张伟")
    before = snapshot(db)
    result = enroll(lbc, "张三", "--id-number", number, birth="2015-03-04")
    assert_refused(result, 1, r"id[-_ ]number", db, before)
    # An id number is personal data: the message does not echo it whole.
    assert number not in result.err


def test_enroll_refuses_birth_in_the_future(lbc, db):
    enrolled_id(lbc, "张伟")
    before = snapshot(db)
    result = enroll(lbc, "王芳", birth=future(), enrolled=None)
    assert_refused(result, 1, r"birth", db, before)


def test_enroll_refuses_enrolment_date_in_the_future(lbc, db):
    enrolled_id(lbc, "张伟")
    before = snapshot(db)
    result = enroll(lbc, "王芳", enrolled=future())
    assert_refused(result, 1, r"enrol", db, before)


def test_enroll_refuses_enrolment_before_birth(lbc, db):
    enrolled_id(lbc, "张伟")
    before = snapshot(db)
    result = enroll(lbc, "王芳", birth="2015-03-04", enrolled="2015-03-03")
    assert_refused(result, 1, r"enrol", db, before)


def test_enroll_age_limit_boundary(lbc, db):
    # Born 2005-03-10: 15 years old through 2021-03-09, 16 (age_limit) from 2021-03-10 on.
    enrolled_id(lbc, "张伟")
    before = snapshot(db)
    on_16th_birthday = enroll(lbc, "王芳", birth="2005-03-10", enrolled="2021-03-10")
    assert_refused(on_16th_birthday, 1, r"birth|16", db, before)
    older = enroll(lbc, "王芳", birth="2005-03-10", enrolled="2022-01-01")
    assert_refused(older, 1, r"birth|16", db, before)
    # Enrolled today (2021-03-10 is long past), the child is 16 or older.
    today_enrolment = enroll(lbc, "王芳", birth="2005-03-10", enrolled=None)
    assert_refused(today_enrolment, 1, r"birth|16", db, before)
    # Enrolled the day before the 16th birthday: still 15, a left-behind child.
    accepted = enroll(lbc, "王芳", birth="2005-03-10", enrolled="2021-03-09")
    assert accepted.code == 0, accepted.err
    assert child_row(db, int(accepted.out), "birth_date", "enrolled_on") == ("2005-03-10", "2021-03-09")


def test_enroll_age_limit_leap_day_birth(lbc, db):
    # Born 2008-02-29: 2024 is a leap year, so the 16th birthday is 2024-02-29.
    before = snapshot(db)
    refused = enroll(lbc, "王芳", birth="2008-02-29", enrolled="2024-02-29")
    assert_refused(refused, 1, r"birth|16", db, before)
    accepted = enroll(lbc, "王芳", birth="2008-02-29", enrolled="2024-02-28")
    assert accepted.code == 0, accepted.err


def test_enroll_refuses_same_name_and_birth_unless_forced(lbc, db):
    first = enrolled_id(lbc, "张伟", "--village", "东村")
    before = snapshot(db)
    result = enroll(lbc, "张伟")  # same name and birth date, no village given
    assert_refused(result, 1, r"张伟", db, before)
    # The refusal names the record it duplicates.
    assert re.search(rf"\b{first}\b.*张伟.*东村.*2015-03-04", result.err)
    forced = enroll(lbc, "张伟", "--force")
    assert forced.code == 0, forced.err
    assert forced.out == "2\n"
    assert rows(db, "SELECT id, name, birth_date FROM children ORDER BY id") == [
        (1, "张伟", "2015-03-04"),
        (2, "张伟", "2015-03-04"),
    ]


def test_enroll_same_name_other_birth_date_is_not_a_duplicate(lbc, db):
    enrolled_id(lbc, "张伟", "--village", "东村")
    result = enroll(lbc, "张伟", "--village", "东村", birth="2016-03-04")
    assert (result.code, result.out) == (0, "2\n")
    assert "张伟" not in result.err


def test_enroll_refuses_same_id_number_unless_forced(lbc, db):
    enrolled_id(lbc, "张三", "--id-number", ID_ZHANG, "--village", "东村")
    before = snapshot(db)
    result = enroll(lbc, "王五", "--id-number", ID_ZHANG, "--village", "西村")
    assert_refused(result, 1, r"张三", db, before)
    forced = enroll(lbc, "王五", "--id-number", ID_ZHANG, "--village", "西村", "--force")
    assert forced.code == 0, forced.err
    assert rows(db, "SELECT name, id_number FROM children ORDER BY id") == [("张三", ID_ZHANG), ("王五", ID_ZHANG)]


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        ("张小明", "张晓明"),  # one character different (and the same pinyin)
        ("张三丰", "章三风"),  # same pinyin zhang san feng, two characters different
        ("张小明", "张大明"),  # one character different, other pinyin
    ],
)
def test_enroll_likely_duplicate_is_accepted_with_a_warning(lbc, db, existing, new):
    first = enrolled_id(lbc, existing, "--village", "东村")
    result = enroll(lbc, new, "--village", "东村")
    assert result.code == 0, result.err
    assert result.out == "2\n"
    assert "Traceback" not in result.err
    assert re.search(rf"\b{first}\b.*{existing}.*东村.*2015-03-04", result.err), result.err
    assert rows(db, "SELECT name FROM children ORDER BY id") == [(existing,), (new,)]


@pytest.mark.parametrize(
    ("new", "village", "birth"),
    [
        ("张晓明", "西村", "2015-03-04"),  # other village
        ("张晓明", "东村", "2015-03-05"),  # other birth date
        ("王晓明", "东村", "2015-03-04"),  # two characters different, other pinyin: not near
        ("张小", "东村", "2015-03-04"),  # other length
    ],
)
def test_enroll_no_warning_when_not_a_likely_duplicate(lbc, db, new, village, birth):
    enrolled_id(lbc, "张小明", "--village", "东村")
    result = enroll(lbc, new, "--village", village, birth=birth)
    assert (result.code, result.out) == (0, "2\n")
    assert "张小明" not in result.err


# ---- child list ---------------------------------------------------------------------------------------


def test_list_is_in_pinyin_order(lbc, db):
    for name in ("张伟", "李娜", "陈静"):
        enrolled_id(lbc, name)
    assert names(list_csv(lbc)) == ["陈静", "李娜", "张伟"]
    table = lbc("child", "list")
    assert table.code == 0, table.err
    assert [line.split()[1] for line in table.out.splitlines()[1:]] == ["陈静", "李娜", "张伟"]


def test_list_orders_the_surname_zeng_by_its_surname_reading(lbc, db):
    # 曾 as a surname reads zeng: chen < li < zeng < zhang.
    for name in ("张伟", "曾明", "李娜", "陈静"):
        enrolled_id(lbc, name)
    assert names(list_csv(lbc)) == ["陈静", "李娜", "曾明", "张伟"]


def test_list_csv_header_and_values(lbc, db):
    enrolled_id(
        lbc,
        "李小红",
        "--village",
        "李家村",
        "--schooling",
        "primary",
        "--guardian",
        "李奶奶",
        "--guardian-phone",
        "13812345678",
        "--flag",
        "hardship",
        gender="F",
        birth="2014-06-15",
    )
    result = lbc("child", "list", "--format", "csv", "--as-of", "2025-01-01")
    assert result.code == 0, result.err
    assert result.err == ""
    lines = result.out.splitlines()
    assert lines[0] == LIST_HEADER
    # 2014-06-15 to 2025-01-01: 10 completed years.
    assert lines[1:] == ["1,李小红,F,2014-06-15,10,李家村,primary,李奶奶,138****5678,hardship,,active"]


def test_list_json_is_an_array_of_objects_with_the_csv_keys(lbc, db):
    enrolled_id(lbc, "李小红", "--guardian-phone", "13812345678", gender="F", birth="2014-06-15")
    enrolled_id(lbc, "陈静")
    result = lbc("child", "list", "--format", "json", "--as-of", "2025-06-15")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert isinstance(data, list)
    assert [list(obj) for obj in data] == [LIST_HEADER.split(",")] * 2
    assert [obj["name"] for obj in data] == ["陈静", "李小红"]
    # 2015-03-04 -> 10 on 2025-06-15; 2014-06-15 -> 11 on 2025-06-15 (the birthday itself).
    assert [obj["age"] for obj in data] == [10, 11]
    assert data[1]["guardian_phone"] == "138****5678"
    assert data[1]["birth_date"] == "2014-06-15"
    assert data[1]["status"] == "active"


def test_list_empty_json_is_an_empty_array(lbc, db):
    result = lbc("child", "list", "--format", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == []


def test_list_masks_phones_unless_reveal(lbc, db):
    enrolled_id(lbc, "李小红", "--guardian-phone", "13812345678")
    enrolled_id(lbc, "陈静", "--guardian-phone", "0571-88889999")
    masked = {r["name"]: r["guardian_phone"] for r in list_csv(lbc)}
    # first 3 and last 4 kept, every character between them a star.
    assert masked == {"李小红": "138****5678", "陈静": "057******9999"}
    shown = {r["name"]: r["guardian_phone"] for r in list_csv(lbc, "--reveal")}
    assert shown == {"李小红": "13812345678", "陈静": "0571-88889999"}
    table = lbc("child", "list")
    assert "138****5678" in table.out
    assert "13812345678" not in table.out
    assert "13812345678" in lbc("child", "list", "--reveal").out


def test_list_filters_village_and_flag(lbc, db):
    enrolled_id(lbc, "张伟", "--village", "东村", "--flag", "hardship")
    enrolled_id(lbc, "李娜", "--village", "西村", "--flag", "lives-alone", "--flag", "hardship")
    enrolled_id(lbc, "陈静", "--village", "东村", "--flag", "single-parent")
    assert names(list_csv(lbc, "--village", "东村")) == ["陈静", "张伟"]
    assert names(list_csv(lbc, "--village", "北村")) == []
    assert names(list_csv(lbc, "--flag", "hardship")) == ["李娜", "张伟"]
    assert names(list_csv(lbc, "--flag", "独居")) == ["李娜"]
    assert names(list_csv(lbc, "--flag", "hardship", "--village", "东村")) == ["张伟"]
    assert names(list_csv(lbc, "--flag", "dropout-risk")) == []


def test_list_rejects_unknown_flag_or_status(lbc, db):
    enrolled_id(lbc, "张伟")
    for args in (["--flag", "orphan"], ["--status", "gone"], ["--as-of", "2025-02-30"], ["--format", "xml"]):
        result = lbc("child", "list", *args)
        assert result.code == 2, (args, result.err)
        assert result.out == ""
        assert "Traceback" not in result.err


def test_list_priority_children(lbc, db):
    # SPEC section 4: flagged problem, hardship or lives-alone, or guardian_rating poor.
    enrolled_id(lbc, "问题", "--flag", "problem")
    enrolled_id(lbc, "困难", "--flag", "hardship")
    enrolled_id(lbc, "独居", "--flag", "lives-alone")
    enrolled_id(lbc, "差评", "--guardian-rating", "poor")
    enrolled_id(lbc, "单亲", "--flag", "single-parent", "--flag", "dropout-risk", "--guardian-rating", "fair")
    enrolled_id(lbc, "较好", "--guardian-rating", "good")
    enrolled_id(lbc, "无标", gender="F")
    priority = set(names(list_csv(lbc, "--priority")))
    assert priority == {"问题", "困难", "独居", "差评"}
    assert len(list_csv(lbc)) == 7


def test_list_as_of_changes_the_age(lbc, db):
    enrolled_id(lbc, "张伟", birth="2015-06-15")
    # The day before the 10th birthday: 9; on it: 10; a year later: 11.
    for as_of, age in (("2025-06-14", "9"), ("2025-06-15", "10"), ("2026/06/15", "11")):
        assert list_csv(lbc, "--as-of", as_of)[0]["age"] == age


def test_list_leap_day_child_age(lbc, db):
    # Born 2016-02-29: on 2025-02-28 still 8 completed years; 9 on 2025-03-01.
    enrolled_id(lbc, "张伟", birth="2016-02-29")
    assert list_csv(lbc, "--as-of", "2025-02-28")[0]["age"] == "8"
    assert list_csv(lbc, "--as-of", "2025-03-01")[0]["age"] == "9"


def test_list_status_active_exited_all(lbc, db):
    stays = enrolled_id(lbc, "张伟")
    leaves = enrolled_id(lbc, "李娜")
    assert lbc("child", "exit", str(leaves), "--reason", "moved", "--date", "2025-01-01").code == 0
    assert names(list_csv(lbc)) == ["张伟"]
    exited = list_csv(lbc, "--status", "exited")
    assert names(exited) == ["李娜"]
    assert exited[0]["status"] == "exited"
    assert names(list_csv(lbc, "--status", "all")) == ["李娜", "张伟"]
    assert names(list_csv(lbc, "--status", "active")) == ["张伟"]
    assert stays != leaves


def test_list_table_in_chinese(lbc, db):
    enrolled_id(lbc, "李小红", "--schooling", "primary", "--flag", "hardship", "--village", "李家村", gender="F")
    result = lbc("--lang", "zh", "child", "list", "--as-of", "2025-03-04")
    assert result.code == 0, result.err
    header, line = result.out.splitlines()
    assert header.split() == [
        "编号",
        "姓名",
        "性别",
        "出生日期",
        "年龄",
        "村",
        "就学情况",
        "监护人",
        "监护人电话",
        "类别标记",
        "帮扶人",
        "状态",
    ]
    assert line.split() == ["1", "李小红", "女", "2015-03-04", "10", "李家村", "小学", "困难留守儿童", "在册"]
    english = lbc("child", "list", "--as-of", "2025-03-04")
    assert english.out.splitlines()[0].split()[:3] == ["id", "name", "gender"]
    assert "小学" not in english.out
    assert "女" not in english.out


# ---- references ---------------------------------------------------------------------------------------


def show_json(lbc, ref, *args) -> dict:
    result = lbc("child", "show", ref, "--format", "json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_reference_by_id_name_and_pinyin_initials(lbc, db):
    enrolled_id(lbc, "张伟")
    target = enrolled_id(lbc, "张三丰")
    assert show_json(lbc, str(target))["name"] == "张三丰"
    assert show_json(lbc, "张三丰")["id"] == target
    assert show_json(lbc, "zsf")["id"] == target
    assert show_json(lbc, "zw")["name"] == "张伟"


def test_reference_ambiguous_name_lists_the_candidates(lbc, db):
    first = enrolled_id(lbc, "张三丰", "--village", "东村", birth="2015-03-04")
    second = enrolled_id(lbc, "张三丰", "--village", "西村", birth="2016-05-06")
    before = snapshot(db)
    for ref in ("张三丰", "zsf"):
        result = lbc("child", "show", ref)
        assert result.code == 1
        assert result.out == ""
        assert "Traceback" not in result.err
        assert re.search(rf"^\s*{first}\s+张三丰\s+东村\s+2015-03-04\s*$", result.err, re.M), result.err
        assert re.search(rf"^\s*{second}\s+张三丰\s+西村\s+2016-05-06\s*$", result.err, re.M), result.err
    # The same refusal from a writing command leaves everything as it was.
    result = lbc("child", "update", "张三丰", "--village", "北村")
    assert result.code == 1
    assert snapshot(db) == before
    # The id resolves it.
    assert show_json(lbc, str(second))["village"] == "西村"


@pytest.mark.parametrize("ref", ["李四", "99", "xyz"])
def test_reference_unknown_exits_1(lbc, db, ref):
    enrolled_id(lbc, "张伟")
    before = snapshot(db)
    for args in (["child", "show", ref], ["child", "review", ref, "--date", "2025-01-01"]):
        result = lbc(*args)
        assert result.code == 1, result.err
        assert result.out == ""
        assert ref in result.err
        assert "Traceback" not in result.err
    assert snapshot(db) == before


# ---- child show ---------------------------------------------------------------------------------------


def _enroll_full(lbc) -> int:
    return enrolled_id(
        lbc,
        "李小红",
        "--village",
        "李家村",
        "--id-number",
        ID_LI,
        "--guardian",
        "李奶奶",
        "--guardian-phone",
        "13812345678",
        "--father-phone",
        "13900001111",
        "--mother-phone",
        "0571-88889999",
        "--schooling",
        "primary",
        "--flag",
        "hardship",
        gender="F",
        birth="2014-06-15",
    )


def test_show_json_has_the_spec_columns_and_masks(lbc, db):
    child = _enroll_full(lbc)
    data = show_json(lbc, str(child))
    assert set(SPEC_CHILD_COLUMNS) <= set(data)
    assert data["id"] == child
    assert data["name"] == "李小红"
    assert data["gender"] == "F"
    assert data["birth_date"] == "2014-06-15"
    assert data["village"] == "李家村"
    assert data["schooling"] == "primary"
    assert data["flags"] == "hardship"
    assert data["status"] == "active"
    assert data["enrolled_on"] == ENROLLED
    assert data["guardian_phone"] == "138****5678"
    assert data["father_phone"] == "139****1111"
    assert data["mother_phone"] == "057******9999"
    assert data["id_number"] == ID_LI[:3] + "*" * 11 + ID_LI[-4:]
    revealed = show_json(lbc, str(child), "--reveal")
    assert revealed["guardian_phone"] == "13812345678"
    assert revealed["father_phone"] == "13900001111"
    assert revealed["mother_phone"] == "0571-88889999"
    assert revealed["id_number"] == ID_LI


def test_show_table(lbc, db):
    child = _enroll_full(lbc)
    result = lbc("child", "show", str(child))
    assert result.code == 0, result.err
    assert result.err == ""
    assert "李小红" in result.out
    assert "李家村" in result.out
    assert "138****5678" in result.out
    assert "13812345678" not in result.out
    assert ID_LI not in result.out
    assert "13812345678" in lbc("child", "show", str(child), "--reveal").out
    zh = lbc("--lang", "zh", "child", "show", "李小红")
    assert zh.code == 0, zh.err
    assert "困难留守儿童" in zh.out
    assert "小学" in zh.out


# ---- child update -------------------------------------------------------------------------------------


def test_update_changes_columns_and_audits_old_and_new(lbc, db):
    child = enrolled_id(lbc, "张伟", "--village", "东村", "--guardian-phone", "13812345678")
    other = child_row(db, child, "name", "birth_date", "gender", "enrolled_on")
    result = lbc(
        "child", "update", "张伟", "--village", "西村", "--guardian-phone", "+86 139 0000 1111", "--grade", "3"
    )
    assert result.code == 0, result.err
    assert result.out == ""
    assert child_row(db, child, "village", "guardian_phone", "grade") == ("西村", "13900001111", 3)
    assert child_row(db, child, "name", "birth_date", "gender", "enrolled_on") == other
    table, row_id, action, old, new = last_audit(db)
    assert (table, row_id, action) == ("children", child, "update")
    assert json.loads(old) == {"village": "东村", "guardian_phone": "13812345678", "grade": None}
    assert json.loads(new) == {"village": "西村", "guardian_phone": "13900001111", "grade": 3}


def test_update_enum_labels_and_name(lbc, db):
    child = enrolled_id(lbc, "张伟")
    result = lbc("child", "update", str(child), "--schooling", "初中", "--flag", "独居", "--name", "陈静")
    assert result.code == 0, result.err
    assert child_row(db, child, "schooling", "flags", "name") == ("junior", "lives-alone", "陈静")
    # The new name is found by its pinyin initials and sorted by its pinyin.
    enrolled_id(lbc, "李娜")
    assert show_json(lbc, "cj")["id"] == child
    assert names(list_csv(lbc)) == ["陈静", "李娜"]


def test_update_clear_empties_fields(lbc, db):
    child = enrolled_id(
        lbc, "张伟", "--guardian-phone", "13812345678", "--flag", "hardship", "--id-number", ID_ZHANG, "--boarding"
    )
    result = lbc(
        "child", "update", str(child), "--clear", "guardian_phone", "--clear", "flags", "--clear", "id-number",
        "--clear", "boarding",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert child_row(db, child, "guardian_phone", "flags", "id_number", "boarding") == (None, "", None, 0)
    _table, _row, action, old, new = last_audit(db)
    assert action == "update"
    assert json.loads(old) == {
        "guardian_phone": "13812345678",
        "flags": "hardship",
        "id_number": ID_ZHANG,
        "boarding": True,
    }
    assert json.loads(new)["guardian_phone"] is None
    assert json.loads(new)["id_number"] is None


@pytest.mark.parametrize("field", ["name", "gender", "birth_date", "enrolled_on", "status", "no_such_field"])
def test_update_clear_refuses_required_or_unknown_fields(lbc, db, field):
    child = enrolled_id(lbc, "张伟")
    before = snapshot(db)
    result = lbc("child", "update", str(child), "--clear", field)
    assert_refused(result, 2, r"--clear", db, before)


@pytest.mark.parametrize("field", ["father_away", "mother_away"])
def test_update_clear_away_flag(lbc, db, field):
    child = enrolled_id(lbc, "张伟")
    before = snapshot(db)
    result = lbc("child", "update", str(child), "--clear", field)
    assert "internal error" not in result.err
    if result.code == 0:
        # Cleared like --clear boarding: not away.
        assert child_row(db, child, field) == (0,)
    else:
        assert_refused(result, 2, field, db, before)


@pytest.mark.parametrize(
    ("args", "code", "field"),
    [
        (["--guardian-phone", "12345"], 1, r"guardian[-_ ]phone"),
        (["--id-number", "110105201503040018"], 1, r"id[-_ ]number"),
        (["--id-number", gb11643("11010520150305001")], 1, r"id[-_ ]number"),  # born 2015-03-05, record 2015-03-04
        (["--birth", "2015-02-30"], 2, r"--birth"),
        (["--gender", "X"], 2, r"--gender"),
        (["--schooling", "college"], 2, r"--schooling"),
        (["--grade", "13"], 1, r"grade"),
        (["--birth", "2005-03-10"], 1, r"birth|16"),  # 16 or older on the enrolment date 2024-09-01
        (["--enrolled-on", "2015-03-03"], 1, r"enrol"),  # before birth
        (["--birth", future()], 1, r"birth"),
        (["--enrolled-on", future()], 1, r"enrol"),
        (["--name", "李娜"], 1, r"李娜"),  # then the same name and birth date as child 2
    ],
)
def test_update_refuses_bad_values_and_writes_nothing(lbc, db, args, code, field):
    child = enrolled_id(lbc, "张伟", "--guardian-phone", "13812345678")
    enrolled_id(lbc, "李娜")
    before = snapshot(db)
    result = lbc("child", "update", str(child), *args)
    assert_refused(result, code, field, db, before)


def test_update_birth_date_that_no_longer_matches_the_id_number_is_refused(lbc, db):
    child = enrolled_id(lbc, "张三", "--id-number", ID_ZHANG, birth="2015-03-04")
    before = snapshot(db)
    result = lbc("child", "update", str(child), "--birth", "2015-03-05")
    assert_refused(result, 1, r"id[-_ ]number", db, before)
    # Changing both together, consistently, is accepted.
    new_number = gb11643("11010520150305001")
    both = lbc("child", "update", str(child), "--birth", "2015/03/05", "--id-number", new_number)
    assert both.code == 0, both.err
    assert child_row(db, child, "birth_date", "id_number") == ("2015-03-05", new_number)


def test_update_with_nothing_to_change_is_a_usage_error(lbc, db):
    child = enrolled_id(lbc, "张伟")
    before = snapshot(db)
    result = lbc("child", "update", str(child))
    assert result.code == 2
    assert "Traceback" not in result.err
    assert snapshot(db) == before


def test_update_to_the_same_value_writes_no_audit_row(lbc, db):
    child = enrolled_id(lbc, "张伟", "--village", "东村")
    before = snapshot(db)
    result = lbc("child", "update", str(child), "--village", "东村")
    assert result.code == 0, result.err
    assert snapshot(db) == before


# ---- child exit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "slug"),
    [  # aged-out: only once the child reaches the age limit (tests/test_refusals.py)
        ("parents-returned", "parents-returned"),
        ("moved", "moved"),
        ("other", "other"),
        ("父母返乡", "parents-returned"),
        ("迁出", "moved"),
    ],
)
def test_exit_sets_status_reason_and_date(lbc, db, reason, slug):
    child = enrolled_id(lbc, "张伟")
    result = lbc("child", "exit", "张伟", "--reason", reason, "--date", "2025年1月2日")
    assert result.code == 0, result.err
    assert result.out == ""
    assert child_row(db, child, "status", "exit_reason", "exit_date") == ("exited", slug, "2025-01-02")
    _table, row_id, action, old, new = last_audit(db)
    assert (row_id, action) == (child, "update")
    assert json.loads(old) == {"status": "active", "exit_reason": None, "exit_date": None}
    assert json.loads(new) == {"status": "exited", "exit_reason": slug, "exit_date": "2025-01-02"}


def test_exit_twice_is_refused(lbc, db):
    child = enrolled_id(lbc, "张伟")
    assert lbc("child", "exit", str(child), "--reason", "moved", "--date", "2025-01-02").code == 0
    before = snapshot(db)
    again = lbc("child", "exit", str(child), "--reason", "other", "--date", "2025-02-01")
    assert_refused(again, 1, rf"\b{child}\b", db, before)
    assert child_row(db, child, "exit_reason", "exit_date") == ("moved", "2025-01-02")


@pytest.mark.parametrize(
    ("args", "code", "field"),
    [
        (["--reason", "moved", "--date", "2024-08-31"], 1, r"date|enrol"),  # the day before enrolment
        (["--reason", "moved", "--date", future()], 1, r"--date"),
        (["--reason", "moved", "--date", "2025-02-30"], 2, r"--date"),
        (["--reason", "graduated", "--date", "2025-01-02"], 2, r"--reason"),
    ],
)
def test_exit_refusals(lbc, db, args, code, field):
    child = enrolled_id(lbc, "张伟")
    before = snapshot(db)
    result = lbc("child", "exit", str(child), *args)
    assert_refused(result, code, field, db, before)
    assert child_row(db, child, "status") == ("active",)


def test_exit_on_the_enrolment_date_is_accepted(lbc, db):
    child = enrolled_id(lbc, "张伟")
    result = lbc("child", "exit", str(child), "--reason", "other", "--date", ENROLLED)
    assert result.code == 0, result.err
    assert child_row(db, child, "exit_date") == (ENROLLED,)


def test_exit_without_reason_is_a_usage_error(lbc, db):
    child = enrolled_id(lbc, "张伟")
    before = snapshot(db)
    result = lbc("child", "exit", str(child), "--date", "2025-01-02")
    assert result.code == 2
    assert "Traceback" not in result.err
    assert snapshot(db) == before


# ---- child review -------------------------------------------------------------------------------------


def test_review_sets_reviewed_on(lbc, db):
    child = enrolled_id(lbc, "张伟")
    assert child_row(db, child, "reviewed_on") == (ENROLLED,)
    result = lbc("child", "review", "zw", "--date", "2025.03.01")
    assert result.code == 0, result.err
    assert result.out == ""
    assert child_row(db, child, "reviewed_on") == ("2025-03-01",)
    _table, row_id, action, old, new = last_audit(db)
    assert (row_id, action, json.loads(old), json.loads(new)) == (
        child,
        "update",
        {"reviewed_on": ENROLLED},
        {"reviewed_on": "2025-03-01"},
    )


@pytest.mark.parametrize(
    ("when", "code"),
    [(future(), 1), ("2025-02-30", 2), ("2015-03-03", 1)],  # in the future; not a date; before birth
)
def test_review_refusals(lbc, db, when, code):
    enrolled_id(lbc, "张伟")
    before = snapshot(db)
    result = lbc("child", "review", "张伟", "--date", when)
    assert_refused(result, code, r"--date", db, before)


# ---- child duplicates ---------------------------------------------------------------------------------


def test_duplicates_groups_same_id_number_and_near_names(lbc, db):
    a = enrolled_id(lbc, "张小明", "--village", "东村")
    b = enrolled_id(lbc, "张晓明", "--village", "东村")  # one character apart, same birth date and village
    c = enrolled_id(lbc, "王芳", "--id-number", ID_ZHANG, "--village", "西村")
    d = enrolled_id(lbc, "李芳", "--id-number", ID_ZHANG, "--village", "北村", "--force")  # same id number
    e = enrolled_id(lbc, "章三风", "--village", "南村", birth="2016-01-01")
    f = enrolled_id(lbc, "张三丰", "--village", "南村", birth="2016-01-01")  # same pinyin zhang san feng
    enrolled_id(lbc, "张小明", "--village", "东村", birth="2016-03-04")  # other birth date: not grouped
    enrolled_id(lbc, "张晓明", "--village", "西村", birth="2017-03-04")  # alone in its village and birth date
    enrolled_id(lbc, "赵六", "--village", "东村")  # same birth date and village, far name
    result = lbc("child", "duplicates", "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    groups: dict = {}
    for item in data:
        groups.setdefault(item["group"], set()).add(item["id"])
    assert sorted(groups.values(), key=min) == [{a, b}, {c, d}, {e, f}]


def test_duplicates_none_found(lbc, db):
    enrolled_id(lbc, "张伟", "--village", "东村")
    enrolled_id(lbc, "李娜", "--village", "东村")
    result = lbc("child", "duplicates")
    assert result.code == 0, result.err
    assert result.out == ""
    assert result.err.strip() != ""
    as_json = lbc("child", "duplicates", "--format", "json")
    assert json.loads(as_json.out) == []


def _duplicate_groups(lbc) -> list[set]:
    result = lbc("child", "duplicates", "--format", "json")
    assert result.code == 0, result.err
    groups: dict = {}
    for item in json.loads(result.out):
        groups.setdefault(item["group"], set()).add(item["id"])
    return list(groups.values())


def test_duplicates_lists_a_near_name_of_a_grouped_child(lbc, db):
    # 张小明 ~ 张晓明 (one character) and 张晓明 ~ 李晓明 (one character); 张小明 / 李晓明 differ in two.
    a = enrolled_id(lbc, "张小明", "--village", "东村")
    b = enrolled_id(lbc, "张晓明", "--village", "东村")
    c = enrolled_id(lbc, "李晓明", "--village", "东村")
    # enroll itself warned that 李晓明 may duplicate 张晓明 ...
    assert any({a, b} <= group for group in _duplicate_groups(lbc))
    # ... so `child duplicates` must list 李晓明 with 张晓明 too.
    assert any({b, c} <= group for group in _duplicate_groups(lbc))


def test_duplicates_lists_a_near_name_of_a_child_in_an_id_number_group(lbc, db):
    a = enrolled_id(lbc, "王芳", "--village", "东村", "--id-number", ID_ZHANG)
    b = enrolled_id(lbc, "李芳", "--village", "西村", "--id-number", ID_ZHANG, "--force")
    c = enrolled_id(lbc, "王方", "--village", "东村")  # one character from 王芳, same birth date and village
    groups = _duplicate_groups(lbc)
    assert any({a, b} <= group for group in groups)
    assert any({a, c} <= group for group in groups)
