"""lbc_cli.validate and lbc_cli.pinyin: expected values worked out by hand from SPEC sections 2, 3, 4 and 8."""

from datetime import date, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lbc_cli.errors import Invalid
from lbc_cli.pinyin import name_keys
from lbc_cli.validate import (
    age_on,
    birthday,
    check_child,
    id_check_digit,
    id_number_gender,
    mask,
    parse_bool,
    parse_date,
    parse_id_number,
    parse_int,
    parse_phone,
    parse_slug,
    parse_slug_set,
    parse_text,
)

# No example database in the project tree, no deadline (huge inputs are slow on a busy machine).
PROPERTY = settings(database=None, deadline=None, max_examples=300)

DIGITS = "0123456789"

# GB 11643-1999, written out again here from the standard rather than imported.
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


def reference_check_digit(first17: str) -> str:
    total = 0
    for position, char in enumerate(first17):
        total += int(char) * WEIGHTS[position]
    return CHECK_CHARS[total % 11]


# Worked by hand:
# 11010519491231002X (the standard's own example)
#   digits  1 1  0 1 0 5 1 9 4 9 1 2  3 1 0 0 2
#   weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
#   7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 -> "10X98765432"[2] = X. 17th digit 2: female.
ID_1949_F = "11010519491231002X"
# 110105 20150304 001: 7+9+0+5+0+20+4+0+6+15+0+27+0+20+0+0+2 = 115; 115 mod 11 = 5 -> "7". 17th digit 1: male.
ID_2015_M = "110105201503040017"
# 440305 20100715 002: 28+36+0+15+0+20+4+0+6+0+0+63+10+25+0+0+4 = 211; 211 mod 11 = 2 -> "X". Female.
ID_2010_F = "44030520100715002X"
# 440305 20100715 001: 207 + 1*2 = 209; 209 mod 11 = 0 -> "1". Male.
ID_2010_M_R0 = "440305201007150011"
# 440305 20100715 007: 207 + 7*2 = 221; 221 mod 11 = 1 -> "0". Male.
ID_2010_M_R1 = "440305201007150070"
# 110105 20230230 001 (30 February): 7+9+0+5+0+20+4+0+12+9+0+18+30+0+0+0+2 = 116; 116 mod 11 = 6 -> "6".
ID_FEB_30 = "110105202302300016"


# ---- parse_date -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2023-05-07",
        "2023/05/07",
        "2023.05.07",
        "2023年05月07日",
        "2023年5月7日",
        "  2023-05-07  ",
    ],
)
def test_parse_date_accepts_every_spec_form(text):
    assert parse_date(text, "birth_date") == date(2023, 5, 7)


@pytest.mark.parametrize("text", ["today", "TODAY", " today "])
def test_parse_date_today_uses_the_given_today(text):
    assert parse_date(text, "date", today=date(2021, 12, 31)) == date(2021, 12, 31)


def test_parse_date_accepts_29_february_of_a_leap_year():
    assert parse_date("2024-02-29", "birth_date") == date(2024, 2, 29)


def test_parse_date_returns_a_date_unchanged():
    assert parse_date(date(2020, 1, 2), "birth_date") == date(2020, 1, 2)


@pytest.mark.parametrize(
    "text",
    [
        "2023-02-30",
        "2023-02-29",
        "2023-13-01",
        "2023-00-10",
        "2023-04-31",
        "2023-01-32",
        "garbage",
        "",
        "2023-01",
        "yesterday",
        "2023年13月1日",
    ],
)
def test_parse_date_refuses_impossible_or_garbage_dates_naming_the_field(text):
    with pytest.raises(Invalid) as caught:
        parse_date(text, "birth_date")
    assert caught.value.field == "birth_date"
    assert "birth_date" in str(caught.value)


@PROPERTY
@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31)),
    form=st.sampled_from(["{y}-{m}-{d}", "{y}/{m}/{d}", "{y}.{m}.{d}"]),
)
def test_parse_date_round_trips_every_real_date(day, form):
    # every real date lbc accepts: 1900 to 2199 (any birth, any plan)
    y, m, d = f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    assert parse_date(form.format(y=y, m=m, d=d), "date") == day
    assert parse_date(f"{y}年{m}月{d}日", "date") == day


def test_parse_date_refuses_years_off_its_calendar():
    for text in ("1899-12-31", "2200-01-01", "0001-01-01", "9999-12-31"):
        with pytest.raises(Invalid):
            parse_date(text, "date")


def test_parse_date_refuses_a_date_followed_by_spaces_and_junk():
    # (the pattern once backtracked quadratically on such a cell; now it is one linear pass)
    with pytest.raises(Invalid):
        parse_date("2023-01-01" + " " * 20_000 + "x", "date")
    assert parse_date("2023-01-01 日", "date") == date(2023, 1, 1)


# ---- parse_phone ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "+8613812345678",
        "+86 138 1234 5678",
        "138-1234-5678",
        " 138 1234-5678 ",
        "+86-138-1234-5678",
    ],
)
def test_parse_phone_mobile_forms_give_eleven_digits(text):
    assert parse_phone(text, "guardian_phone") == "13812345678"


@pytest.mark.parametrize("text", ["010-12345678", "0755-1234567", "0755-12345678", "021-8765432"])
def test_parse_phone_accepts_landlines_as_given(text):
    assert parse_phone(text, "guardian_phone") == text


@pytest.mark.parametrize(
    "text",
    [
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "23812345678",  # starts with 2
        "1381234567a",  # a letter
        "abcdefghijk",
        "+86",
        "+87 13812345678",
        "010-123",  # landline number too short
        "10-12345678",  # landline without the leading 0
    ],
)
def test_parse_phone_refusals(text):
    with pytest.raises(Invalid) as caught:
        parse_phone(text, "guardian_phone")
    assert caught.value.field == "guardian_phone"


@PROPERTY
@given(
    rest=st.text(alphabet=DIGITS, min_size=10, max_size=10),
    gaps=st.lists(st.sampled_from(["", "", "", " ", "-", "  ", " - "]), min_size=12, max_size=12),
    prefix=st.sampled_from(["", "+86", "+86 ", "+86-", " +86  "]),
)
def test_parse_phone_any_mobile_with_spaces_dashes_and_country_code(rest, gaps, prefix):
    number = "1" + rest
    text = prefix + gaps[0] + "".join(digit + gap for digit, gap in zip(number, gaps[1:], strict=True))
    assert parse_phone(text, "phone") == number


@pytest.mark.parametrize("text", ["1381234567８", "1٣٨١٢٣٤٥٦٧٨", "0١٠-12345678"])
def test_parse_phone_never_stores_non_ascii_digits(text):
    # Either refused, or normalised to ASCII digits: never stored as full-width / Arabic-Indic digits.
    try:
        result = parse_phone(text, "phone")
    except Invalid:
        return
    assert result is not None
    assert result.isascii()


def test_parse_phone_reads_full_width_digits_typed_on_a_chinese_keyboard():
    assert parse_phone("１３８１２３４５６７８", "phone") == "13812345678"
    assert parse_phone("1381234567８", "phone") == "13812345678"
    assert parse_phone("＋86 138－1234－5678", "phone") == "13812345678"
    with pytest.raises(Invalid):
        parse_phone("1٣٨١٢٣٤٥٦٧٨", "phone")


# ---- parse_id_number ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        (ID_1949_F[:17], "X"),
        (ID_2015_M[:17], "7"),
        (ID_2010_F[:17], "X"),
        (ID_2010_M_R0[:17], "1"),
        (ID_2010_M_R1[:17], "0"),
        (ID_FEB_30[:17], "6"),
    ],
)
def test_id_check_digit_hand_computed(first17, check):
    assert id_check_digit(first17) == check


@pytest.mark.parametrize(
    ("number", "birth"),
    [
        (ID_1949_F, date(1949, 12, 31)),
        (ID_2015_M, date(2015, 3, 4)),
        (ID_2010_F, date(2010, 7, 15)),
        (ID_2010_M_R0, date(2010, 7, 15)),
        (ID_2010_M_R1, date(2010, 7, 15)),
    ],
)
def test_parse_id_number_accepts_valid_numbers(number, birth):
    assert parse_id_number(number, "id_number") == number
    assert parse_id_number(number, "id_number", birth) == number
    assert parse_id_number(f"  {number} ", "id_number") == number


def test_parse_id_number_normalises_lower_case_x():
    assert parse_id_number("11010519491231002x", "id_number") == "11010519491231002X"
    assert parse_id_number("44030520100715002x", "id_number", date(2010, 7, 15)) == "44030520100715002X"


@pytest.mark.parametrize(
    ("text", "birth"),
    [
        ("110105201503040018", None),  # check digit should be 7
        ("11010519491231002" + "1", None),  # check digit should be X
        ("440305201007150010", None),  # check digit should be 1
        ("11010520150304001", None),  # 17 characters
        ("1101052015030400177", None),  # 19 characters
        ("110105150304001", None),  # old 15-digit number
        ("11010520150304A017", None),  # a letter in the body
        ("X10105201503040017", None),
        ("11010520150304001Y", None),  # last character neither digit nor X
        (ID_FEB_30, None),  # valid check digit, 30 February
        (ID_2015_M, date(2015, 3, 5)),  # birth date does not match
        (ID_2010_F, date(2011, 7, 15)),
    ],
)
def test_parse_id_number_refusals_never_echo_the_whole_number(text, birth):
    with pytest.raises(Invalid) as caught:
        parse_id_number(text, "id_number", birth)
    assert caught.value.field == "id_number"
    assert text not in str(caught.value)
    assert text.upper() not in str(caught.value)
    assert all(text not in str(arg) for arg in caught.value.args)


def test_parse_id_number_impossible_birth_date_is_not_a_check_digit_problem():
    with pytest.raises(Invalid) as caught:
        parse_id_number(ID_FEB_30, "id_number")
    assert "check digit" not in str(caught.value)


def test_parse_id_number_empty_is_none():
    assert parse_id_number("", "id_number") is None
    assert parse_id_number("   ", "id_number") is None


@pytest.mark.parametrize(
    ("number", "gender"),
    [(ID_1949_F, "F"), (ID_2015_M, "M"), (ID_2010_F, "F"), (ID_2010_M_R0, "M"), (ID_2010_M_R1, "M")],
)
def test_id_number_gender_from_the_17th_digit(number, gender):
    assert id_number_gender(number) == gender


id_parts = st.tuples(
    st.text(alphabet=DIGITS, min_size=6, max_size=6),
    st.dates(),
    st.text(alphabet=DIGITS, min_size=3, max_size=3),
)


def _first17(region: str, born: date, sequence: str) -> str:
    return f"{region}{born.year:04d}{born.month:02d}{born.day:02d}{sequence}"


@PROPERTY
@given(parts=id_parts)
def test_any_id_built_with_its_check_digit_passes(parts):
    region, born, sequence = parts
    first17 = _first17(region, born, sequence)
    check = id_check_digit(first17)
    assert check == reference_check_digit(first17)
    number = first17 + check
    assert parse_id_number(number, "id_number") == number
    assert parse_id_number(number, "id_number", born) == number
    assert parse_id_number(number.lower(), "id_number", born) == number
    assert id_number_gender(number) == ("M" if int(sequence[2]) % 2 == 1 else "F")


@PROPERTY
@given(parts=id_parts, data=st.data())
def test_any_wrong_check_digit_or_single_digit_change_is_refused(parts, data):
    region, born, sequence = parts
    first17 = _first17(region, born, sequence)
    good = reference_check_digit(first17)
    wrong = data.draw(st.sampled_from([c for c in CHECK_CHARS if c != good]))
    number = first17 + wrong
    with pytest.raises(Invalid) as caught:
        parse_id_number(number, "id_number")
    assert number not in str(caught.value)
    # Every weight is non-zero mod 11, so changing any one of the 17 digits breaks the check.
    position = data.draw(st.integers(0, 16))
    digit = data.draw(st.sampled_from([d for d in DIGITS if d != first17[position]]))
    changed = first17[:position] + digit + first17[position + 1 :] + good
    with pytest.raises(Invalid):
        parse_id_number(changed, "id_number")


@PROPERTY
@given(parts=id_parts, shift=st.integers(min_value=1, max_value=4000))
def test_any_id_whose_birth_date_differs_is_refused(parts, shift):
    region, born, sequence = parts
    first17 = _first17(region, born, sequence)
    number = first17 + reference_check_digit(first17)
    other = born + timedelta(days=shift) if born <= date(9000, 1, 1) else born - timedelta(days=shift)
    with pytest.raises(Invalid) as caught:
        parse_id_number(number, "id_number", other)
    assert caught.value.field == "id_number"
    assert number not in str(caught.value)


# ---- mask -----------------------------------------------------------------------------------


def test_mask_phone():
    assert mask("13812345678") == "138****5678"


def test_mask_id_number():
    assert mask(ID_1949_F) == "110" + "*" * 11 + "002X"
    assert mask(ID_2015_M) == "110***********0017"


def test_mask_none_and_empty():
    assert mask(None) is None
    assert mask("") == ""


@pytest.mark.parametrize("text", ["1", "1234", "1234567"])
def test_mask_short_values_never_show_the_whole_value(text):
    masked = mask(text)
    assert len(masked) == len(text)
    assert masked != text


@PROPERTY
@given(text=st.text(min_size=1))
def test_mask_keeps_length_and_the_ends(text):
    masked = mask(text)
    assert len(masked) == len(text)
    if len(text) > 7:
        assert masked == text[:3] + "*" * (len(text) - 7) + text[-4:]


# ---- parse_slug / parse_slug_set ------------------------------------------------------------

# SPEC section 4, copied by hand: enum -> [(slug, Chinese label)] in the spec's order.
SPEC_ENUMS: dict[str, list[tuple[str, str]]] = {
    "gender": [("F", "女"), ("M", "男")],
    "guardian_relation": [
        ("grandparent", "祖父母"),
        ("maternal-grandparent", "外祖父母"),
        ("parent", "父母一方"),
        ("relative", "其他亲属"),
        ("other", "其他"),
        ("none", "无"),
    ],
    "flag": [
        ("problem", "问题留守儿童"),
        ("hardship", "困难留守儿童"),
        ("single-parent", "单亲"),
        ("dropout-risk", "辍学风险"),
        ("lives-alone", "独居"),
    ],
    "schooling": [
        ("not-in-preschool", "未入园"),
        ("preschool", "幼儿园"),
        ("primary", "小学"),
        ("junior", "初中"),
        ("senior", "高中"),
        ("vocational", "中职"),
        ("dropout", "辍学"),
        ("not-in-school", "不在学"),
    ],
    "health": [("healthy", "健康"), ("disabled", "残疾"), ("ill", "患病")],
    "guardian_rating": [("good", "较好"), ("fair", "一般"), ("poor", "差")],
    "assistance": [
        ("dibao", "低保"),
        ("tekun", "特困"),
        ("temporary", "临时救助"),
        ("medical", "医疗救助"),
        ("housing", "住房救助"),
        ("other", "其他"),
    ],
    "role": [
        ("village-official", "大学生村官"),
        ("children-director", "儿童主任"),
        ("village-cadre", "村干部"),
        ("party-member", "党员"),
        ("class-teacher", "班主任"),
        ("volunteer", "牵手扶助志愿者"),
        ("loving-mother", "爱心妈妈"),
        ("proxy-parent", "代理家长"),
        ("temp-dad", "临时爸爸"),
        ("other", "其他"),
    ],
    "kind": [
        ("video-call", "亲情视频"),
        ("phone-call", "亲情电话"),
        ("home-visit", "家访"),
        ("school-visit", "到校了解"),
        ("parent-feedback", "向父母反馈"),
        ("activity", "活动"),
        ("aid", "物资帮扶"),
        ("counseling", "心理辅导"),
        ("parent-meeting", "家长会"),
        ("mandatory-report", "强制报告"),
    ],
}
# Slug-only enums of section 4 (no Chinese label fixed by the spec).
SPEC_SLUG_ONLY: dict[str, list[str]] = {
    "with": ["parent", "guardian", "child", "teacher"],
    "status": ["active", "exited"],
    "exit_reason": ["aged-out", "parents-returned", "moved", "other"],
}

SLUG_CASES = [(enum, slug, zh) for enum, pairs in SPEC_ENUMS.items() for slug, zh in pairs]


@pytest.mark.parametrize(("enum", "slug", "zh"), SLUG_CASES)
def test_parse_slug_accepts_slug_and_chinese_label(enum, slug, zh):
    assert parse_slug(enum, slug, "field_x") == slug
    assert parse_slug(enum, zh, "field_x") == slug
    assert parse_slug(enum, f" {zh} ", "field_x") == slug


@pytest.mark.parametrize(("enum", "slug"), [(e, s) for e, slugs in SPEC_SLUG_ONLY.items() for s in slugs])
def test_parse_slug_accepts_slug_only_enums(enum, slug):
    assert parse_slug(enum, slug, "field_x") == slug


def test_parse_slug_spec_examples():
    assert parse_slug("kind", "video-call", "kind") == "video-call"
    assert parse_slug("kind", "亲情视频", "kind") == "video-call"
    assert parse_slug("flag", "独居", "flags") == "lives-alone"


@pytest.mark.parametrize(
    ("enum", "text"),
    [
        ("flag", "orphan"),
        ("flag", "video-call"),  # a slug of another enum
        ("kind", "其他"),  # a label of another enum
        ("gender", "X"),
        ("kind", ""),
        ("role", "teacher"),
        ("flag", "独居儿童"),
    ],
)
def test_parse_slug_refuses_unknown_values_naming_the_field(enum, text):
    with pytest.raises(Invalid) as caught:
        parse_slug(enum, text, "field_x")
    assert caught.value.field == "field_x"


@pytest.mark.parametrize("enum", list(SPEC_ENUMS))
def test_parse_slug_set_returns_every_slug_in_catalog_order(enum):
    slugs = [slug for slug, _ in SPEC_ENUMS[enum]]
    labels = [zh for _, zh in SPEC_ENUMS[enum]]
    expected = ";".join(slugs)
    assert parse_slug_set(enum, ";".join(reversed(slugs)), "field_x") == expected
    assert parse_slug_set(enum, "、".join(reversed(labels)), "field_x") == expected
    assert parse_slug_set(enum, list(reversed(labels)), "field_x") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("独居", "lives-alone"),
        ("独居;问题留守儿童", "problem;lives-alone"),
        ("lives-alone,hardship", "hardship;lives-alone"),
        ("lives-alone, hardship、独居", "hardship;lives-alone"),
        ("单亲;单亲;single-parent", "single-parent"),
        ("dropout-risk;;problem;", "problem;dropout-risk"),
        (["单亲", "problem;dropout-risk"], "problem;single-parent;dropout-risk"),
        (("lives-alone", "lives-alone"), "lives-alone"),
        ("", ""),
        ([], ""),
        (None, ""),
    ],
)
def test_parse_slug_set_examples(value, expected):
    assert parse_slug_set("flag", value, "flags") == expected


@pytest.mark.parametrize("value", ["problem;orphan", "独居、孤儿", ["problem", "nope"], "problem;video-call"])
def test_parse_slug_set_refuses_unknown_members(value):
    with pytest.raises(Invalid) as caught:
        parse_slug_set("flag", value, "flags")
    assert caught.value.field == "flags"


@PROPERTY
@given(chosen=st.lists(st.sampled_from(SPEC_ENUMS["assistance"]), max_size=10), data=st.data())
def test_parse_slug_set_any_mix_of_slugs_labels_and_separators(chosen, data):
    words = [data.draw(st.sampled_from([slug, zh])) for slug, zh in chosen]
    text = "".join(word + data.draw(st.sampled_from([";", ",", "、", " ; ", ", "])) for word in words)
    wanted = {slug for slug, _ in chosen}
    expected = ";".join(slug for slug, _ in SPEC_ENUMS["assistance"] if slug in wanted)
    assert parse_slug_set("assistance", text, "assistance") == expected


# ---- parse_text / parse_int / parse_bool ----------------------------------------------------


def test_parse_text_examples():
    assert parse_text("  李家村 ", "village") == "李家村"
    assert parse_text("", "village") is None
    assert parse_text(None, "village") is None
    assert parse_text("x" * 200, "village") == "x" * 200
    assert parse_text("第一行\n第二行", "family_notes", limit=4000) == "第一行\n第二行"


@pytest.mark.parametrize(
    ("value", "kwargs"),
    [("", {"required": True}), ("a\nb", {}), ("a\x00b", {}), ("a\x1bb", {}), ("x" * 201, {})],
)
def test_parse_text_refusals(value, kwargs):
    with pytest.raises(Invalid) as caught:
        parse_text(value, "village", **kwargs)
    assert caught.value.field == "village"


def test_parse_int_examples():
    assert parse_int("42", "grade") == 42
    assert parse_int(" +7 ", "grade") == 7
    assert parse_int("-3", "grade") == -3
    assert parse_int(5, "grade", minimum=5, maximum=5) == 5


@pytest.mark.parametrize(
    ("value", "kwargs"),
    [("1e3", {}), ("3.5", {}), ("", {}), ("ten", {}), (True, {}), ("5", {"minimum": 6}), ("100", {"maximum": 99})],
)
def test_parse_int_refusals(value, kwargs):
    with pytest.raises(Invalid) as caught:
        parse_int(value, "grade", **kwargs)
    assert caught.value.field == "grade"


@PROPERTY
@given(number=st.integers(min_value=-(10**12) + 1, max_value=10**12 - 1))
def test_parse_int_round_trips(number):
    assert parse_int(str(number), "n") == number


@pytest.mark.parametrize(("text", "expected"), [("是", True), ("否", False), ("yes", True), ("0", False), ("1", True)])
def test_parse_bool_examples(text, expected):
    assert parse_bool(text, "boarding") is expected


def test_parse_bool_refuses_other_words():
    with pytest.raises(Invalid) as caught:
        parse_bool("maybe", "boarding")
    assert caught.value.field == "boarding"


# ---- any text: return or raise Invalid, nothing else ----------------------------------------

NEAR_MISS = st.text(alphabet="0123456789-/.年月日今天today+ xX;,、\x00\u3000٣８独居问题", max_size=40)
ANY_TEXT = st.one_of(st.text(), NEAR_MISS)

HUGE = [
    "1" * 1_000_000,
    "x" * 1_000_000,
    "\x00" * 100_000,
    "👶🏽" * 100_000,
    "2023-01-01" * 10_000,
    "138" + "-" * 100_000 + "12345678",
    "独居;" * 50_000,
]

PARSERS = {
    "date": (lambda s: parse_date(s, "field_x", date(2024, 1, 1)), date),
    "phone": (lambda s: parse_phone(s, "field_x"), (str, type(None))),
    "id_number": (lambda s: parse_id_number(s, "field_x"), (str, type(None))),
    "id_number_birth": (lambda s: parse_id_number(s, "field_x", date(2015, 3, 4)), (str, type(None))),
    "slug": (lambda s: parse_slug("flag", s, "field_x"), str),
    "slug_set": (lambda s: parse_slug_set("flag", s, "field_x"), str),
    "slug_set_list": (lambda s: parse_slug_set("flag", [s, s[::-1]], "field_x"), str),
    "text": (lambda s: parse_text(s, "field_x"), (str, type(None))),
    "longtext": (lambda s: parse_text(s, "field_x", limit=4000), (str, type(None))),
    "int": (lambda s: parse_int(s, "field_x", minimum=0, maximum=99), int),
    "bool": (lambda s: parse_bool(s, "field_x"), bool),
}


def _returns_or_invalid(name: str, text: str) -> None:
    parser, returned_type = PARSERS[name]
    try:
        result = parser(text)
    except Invalid as exc:
        assert exc.field == "field_x"
        return
    assert isinstance(result, returned_type)


@pytest.mark.parametrize("name", list(PARSERS))
@PROPERTY
@given(text=ANY_TEXT)
@example(text="")
@example(text="\x00")
@example(text="2023-02-30\x00")
@example(text="0000-01-01")
@example(text="9999-12-31")
@example(text="\ud7ff\U0010ffff")
def test_any_text_returns_or_raises_invalid(name, text):
    _returns_or_invalid(name, text)


@pytest.mark.parametrize("name", list(PARSERS))
@pytest.mark.parametrize("text", HUGE, ids=[f"huge{i}" for i in range(len(HUGE))])
def test_huge_text_returns_or_raises_invalid(name, text):
    _returns_or_invalid(name, text)


@PROPERTY
@given(items=st.lists(st.one_of(st.text(), st.integers(), st.none()), max_size=5))
def test_parse_slug_set_any_list_returns_or_raises_invalid(items):
    try:
        assert isinstance(parse_slug_set("assistance", items, "field_x"), str)
    except Invalid as exc:
        assert exc.field == "field_x"


# ---- age_on / birthday ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(2008, 5, 10), date(2024, 5, 9), 15),
        (date(2008, 5, 10), date(2024, 5, 10), 16),
        (date(2008, 5, 10), date(2024, 12, 31), 16),
        (date(2008, 5, 10), date(2008, 5, 10), 0),
        (date(2008, 2, 29), date(2023, 2, 28), 14),
        (date(2008, 2, 29), date(2023, 3, 1), 15),
        (date(2008, 2, 29), date(2024, 2, 28), 15),
        (date(2008, 2, 29), date(2024, 2, 29), 16),
        (date(2084, 2, 29), date(2100, 2, 28), 15),
        (date(2084, 2, 29), date(2100, 3, 1), 16),
    ],
)
def test_age_on(birth, on, age):
    assert age_on(birth, on) == age


@pytest.mark.parametrize(
    ("birth", "years", "expected"),
    [
        (date(2008, 5, 10), 16, date(2024, 5, 10)),
        (date(2008, 2, 29), 16, date(2024, 2, 29)),  # 2024 is a leap year
        (date(2008, 2, 29), 15, date(2023, 3, 1)),
        (date(1884, 2, 29), 16, date(1900, 3, 1)),  # 1900 is not a leap year
        (date(2084, 2, 29), 16, date(2100, 3, 1)),  # nor is 2100
        (date(2000, 12, 31), 1, date(2001, 12, 31)),
    ],
)
def test_birthday(birth, years, expected):
    assert birthday(birth, years) == expected


@PROPERTY
@given(birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)), years=st.integers(1, 120))
def test_birthday_is_the_first_day_of_that_age(birth, years):
    day = birthday(birth, years)
    assert age_on(birth, day) == years
    assert age_on(birth, day - timedelta(days=1)) == years - 1


# ---- check_child ----------------------------------------------------------------------------

TODAY = date(2024, 10, 1)


def _child(**changes: object) -> dict:
    """A valid record; consent is recorded on the enrolment day unless a test says otherwise."""
    values: dict = {
        "name": "张三丰",
        "gender": "M",
        "birth_date": date(2015, 3, 4),
        "enrolled_on": date(2024, 9, 1),
    }
    values.update(changes)
    if "consent_on" not in changes:
        values["consent_on"] = values["enrolled_on"]
    return values


def _id_warnings(warnings: list[str]) -> list[str]:
    return [w for w in warnings if w.startswith("id number")]  # named by its label (SPEC section 11)


def test_check_child_plain_record_has_no_warnings():
    assert check_child(_child(), today=TODAY, age_limit=16) == []


def test_check_child_exactly_age_limit_on_enrolment_day_is_refused():
    values = _child(birth_date=date(2008, 5, 10), enrolled_on=date(2024, 5, 10))
    with pytest.raises(Invalid) as caught:
        check_child(values, today=TODAY, age_limit=16)
    assert caught.value.field == "birth_date"


def test_check_child_day_before_turning_age_limit_is_accepted():
    values = _child(birth_date=date(2008, 5, 10), enrolled_on=date(2024, 5, 9))
    assert check_child(values, today=TODAY, age_limit=16) == []


def test_check_child_older_than_age_limit_is_refused():
    values = _child(birth_date=date(2005, 1, 1), enrolled_on=date(2024, 5, 9))
    with pytest.raises(Invalid) as caught:
        check_child(values, today=TODAY, age_limit=16)
    assert caught.value.field == "birth_date"


def test_check_child_age_check_can_be_skipped():
    values = _child(birth_date=date(2005, 1, 1), enrolled_on=date(2024, 5, 9))
    assert check_child(values, today=TODAY, age_limit=16, check_age=False) == []


def test_check_child_age_limit_is_a_parameter():
    values = _child(birth_date=date(2012, 6, 1), enrolled_on=date(2024, 6, 1))
    with pytest.raises(Invalid):
        check_child(values, today=TODAY, age_limit=12)
    assert check_child(values, today=TODAY, age_limit=13) == []


@pytest.mark.parametrize(
    ("birth", "enrolled", "age_limit", "refused"),
    [
        (date(2084, 2, 29), date(2100, 2, 28), 16, False),  # turns 16 on 1 March 2100
        (date(2084, 2, 29), date(2100, 3, 1), 16, True),
        (date(2008, 2, 29), date(2023, 2, 28), 15, False),  # turns 15 on 1 March 2023
        (date(2008, 2, 29), date(2023, 3, 1), 15, True),
        (date(2008, 2, 29), date(2024, 2, 28), 16, False),  # 2024 has a 29 February
        (date(2008, 2, 29), date(2024, 2, 29), 16, True),
    ],
)
def test_check_child_29_february_birth(birth, enrolled, age_limit, refused):
    values = _child(birth_date=birth, enrolled_on=enrolled)
    today = date(2100, 6, 1)
    if refused:
        with pytest.raises(Invalid) as caught:
            check_child(values, today=today, age_limit=age_limit)
        assert caught.value.field == "birth_date"
    else:
        assert check_child(values, today=today, age_limit=age_limit) == []


def test_check_child_birth_in_the_future_is_refused():
    values = _child(birth_date=date(2024, 10, 2), enrolled_on=date(2024, 10, 2))
    with pytest.raises(Invalid) as caught:
        check_child(values, today=date(2024, 10, 1), age_limit=16)
    assert caught.value.field == "birth_date"


def test_check_child_born_today_is_accepted():
    values = _child(birth_date=TODAY, enrolled_on=TODAY)
    assert check_child(values, today=TODAY, age_limit=16) == []


def test_check_child_enrolment_before_birth_is_refused():
    values = _child(birth_date=date(2015, 3, 4), enrolled_on=date(2015, 3, 3))
    with pytest.raises(Invalid) as caught:
        check_child(values, today=TODAY, age_limit=16)
    assert caught.value.field == "enrolled_on"


@pytest.mark.parametrize("key", ["birth_date", "enrolled_on", "name", "gender"])
def test_check_child_required_fields(key):
    values = _child()
    del values[key]
    with pytest.raises(Invalid) as caught:
        check_child(values, today=TODAY, age_limit=16)
    assert caught.value.field == key


@pytest.mark.parametrize("key", ["care_agreement_on", "consent_on", "exit_date", "reviewed_on"])
def test_check_child_other_dates_before_birth_are_refused(key):
    values = _child(**{key: date(2015, 3, 3)})
    with pytest.raises(Invalid) as caught:
        check_child(values, today=TODAY, age_limit=16)
    assert caught.value.field == key


def test_check_child_exit_before_enrolment_is_refused():
    values = _child(exit_date=date(2024, 8, 31))
    with pytest.raises(Invalid) as caught:
        check_child(values, today=TODAY, age_limit=16)
    assert caught.value.field == "exit_date"


def test_check_child_id_number_matching_birth_and_gender_is_accepted():
    assert _id_warnings(check_child(_child(id_number=ID_2015_M), today=TODAY, age_limit=16)) == []
    female = _child(name="李娜", gender="F", birth_date=date(2010, 7, 15), id_number=ID_2010_F)
    assert _id_warnings(check_child(female, today=TODAY, age_limit=16)) == []


def test_check_child_id_number_birth_mismatch_is_refused():
    values = _child(birth_date=date(2015, 3, 5), id_number=ID_2015_M)
    with pytest.raises(Invalid) as caught:
        check_child(values, today=TODAY, age_limit=16)
    assert caught.value.field == "id_number"
    assert ID_2015_M not in str(caught.value)


def test_check_child_bad_id_check_digit_is_refused():
    values = _child(id_number="110105201503040018")
    with pytest.raises(Invalid) as caught:
        check_child(values, today=TODAY, age_limit=16)
    assert caught.value.field == "id_number"


@pytest.mark.parametrize(
    ("number", "gender", "birth"), [(ID_2015_M, "F", date(2015, 3, 4)), (ID_2010_F, "M", date(2010, 7, 15))]
)
def test_check_child_gender_mismatch_is_a_warning_not_a_refusal(number, gender, birth):
    values = _child(gender=gender, birth_date=birth, id_number=number)
    warnings = check_child(values, today=TODAY, age_limit=16)
    assert len(_id_warnings(warnings)) == 1
    assert all(number not in w for w in warnings)


@pytest.mark.parametrize(
    ("enrolled", "warned"),
    [(date(2024, 7, 14), True), (date(2024, 7, 15), False)],  # born 2010-07-15: 13, then 14 on 2024-07-15
)
def test_check_child_under_14_without_consent_is_warned(enrolled, warned):
    values = _child(birth_date=date(2010, 7, 15), enrolled_on=enrolled, consent_on=None)
    warnings = check_child(values, today=TODAY, age_limit=16)
    assert any(w.startswith("consent on") for w in warnings) is warned
    assert check_child(_child(birth_date=date(2010, 7, 15), enrolled_on=enrolled), today=TODAY, age_limit=16) == []


# ---- pinyin ---------------------------------------------------------------------------------


def test_name_keys_zhang_san_feng():
    assert name_keys("张三丰") == ("zhang san feng", "zsf")


def test_name_keys_order_chen_li_zhang():
    chen, li, zhang = name_keys("陈")[0], name_keys("李")[0], name_keys("张")[0]
    assert chen < li < zhang
    names = ["张伟", "李娜", "陈静"]
    assert sorted(names, key=lambda n: name_keys(n)[0]) == ["陈静", "李娜", "张伟"]


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("曾", ("zeng", "z")),
        ("单", ("shan", "s")),
        ("曾小明", ("zeng xiao ming", "zxm")),
        ("单田芳", ("shan tian fang", "stf")),
    ],
)
def test_name_keys_polyphonic_surnames(name, keys):
    assert name_keys(name) == keys


def test_name_keys_surname_reading_only_for_the_first_character():
    # 简单 is jian dan: 单 reads shan only as a surname.
    assert name_keys("简单") == ("jian dan", "jd")
