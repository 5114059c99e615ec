"""The options that set a child's fields, declared once for the two commands that take them: enroll and
child update. Each is an ``Annotated`` type; a command lists the ones it takes, and ``field_values`` turns
the values given into the record's columns."""

from datetime import date
from typing import Annotated

import typer

from lbc_cli import i18n, validate
from lbc_cli.cli.options import opt_date, opt_slug, opt_slugs

_ = i18n.bi

# The help panels the options are grouped in (the child's card uses the same headings)
P_CHILD = _("儿童", "Child")
P_FAMILY = _("家庭与父母", "Family and parents")
P_GUARDIAN = _("监护与照护", "Guardian and care")
P_SCHOOL = _("就学与健康", "School and health")
P_CARE = _("类别与救助", "Flags and assistance")


def _text(zh: str, en: str, panel: str, metavar: str = "TEXT"):
    return typer.Option(metavar=metavar, help=_(zh, en), rich_help_panel=panel)


def _slug(zh: str, en: str, choices: str, panel: str):
    """An option whose value is one of the slugs of ``choices`` (or, repeated, several): its help lists them."""
    return typer.Option(metavar="SLUG", help=_(zh, en) + i18n.choices(choices), rich_help_panel=panel)


Gender = Annotated[
    str | None,
    typer.Option(metavar="F|M", help=_("性别:F(女)或 M(男)", "gender: F or M (女/男)"), rich_help_panel=P_CHILD),
]
Birth = Annotated[str | None, _text("出生日期", "birth date", P_CHILD, "DATE")]
Ethnicity = Annotated[str | None, _text("民族", "ethnicity", P_CHILD)]
IdNumber = Annotated[
    str | None,
    _text(
        "18 位身份证号(校验码与出生日期会核对)", "18-character id number (check digit and birth date checked)", P_CHILD
    ),
]
Village = Annotated[str | None, _text("所在村", "village", P_CHILD)]
Group = Annotated[str | None, _text("村民组", "village group", P_CHILD)]
Address = Annotated[str | None, _text("住址", "address", P_CHILD)]
Away = Annotated[str | None, _slug("外出务工的是谁(默认 both):", "who works away (default both): ", "away", P_FAMILY)]
FatherWork = Annotated[str | None, _text("父亲务工地点", "father's place of work", P_FAMILY, "PLACE")]
FatherPhone = Annotated[str | None, _text("父亲电话", "father's phone", P_FAMILY)]
MotherWork = Annotated[str | None, _text("母亲务工地点", "mother's place of work", P_FAMILY, "PLACE")]
MotherPhone = Annotated[str | None, _text("母亲电话", "mother's phone", P_FAMILY)]
Note = Annotated[str | None, _text("家庭情况备注", "notes on the family", P_FAMILY)]
Guardian = Annotated[str | None, _text("监护人(委托照护人)姓名", "guardian (carer) name", P_GUARDIAN, "NAME")]
GuardianRelation = Annotated[
    str | None, _slug("监护人与儿童关系:", "guardian's relation: ", "guardian_relation", P_GUARDIAN)
]
GuardianPhone = Annotated[str | None, _text("监护人电话", "guardian's phone", P_GUARDIAN)]
GuardianRating = Annotated[str | None, _slug("监护情况:", "guardian rating: ", "guardian_rating", P_GUARDIAN)]
CareAgreementOn = Annotated[
    str | None,
    _text("委托照护确认日期", "date the care agreement was confirmed", P_GUARDIAN, "DATE"),
]
ConsentOn = Annotated[
    str | None, _text("监护人同意采集信息的日期", "date the guardian consented to the record", P_GUARDIAN, "DATE")
]
School = Annotated[str | None, _text("学校", "school", P_SCHOOL)]
Grade = Annotated[str | None, _text("年级(0–12)", "grade (0–12)", P_SCHOOL, "N")]
Class = Annotated[
    str | None, typer.Option("--class", help=_("班级", "class"), metavar="TEXT", rich_help_panel=P_SCHOOL)
]
Schooling = Annotated[str | None, _slug("就学情况:", "schooling: ", "schooling", P_SCHOOL)]
Boarding = Annotated[
    bool | None,
    typer.Option("--boarding/--no-boarding", help=_("是否寄宿", "boards at school"), rich_help_panel=P_SCHOOL),
]
Health = Annotated[str | None, _slug("健康状况:", "health: ", "health", P_SCHOOL)]
Hobbies = Annotated[str | None, _text("爱好特长", "hobbies", P_SCHOOL)]
Flag = Annotated[list[str] | None, _slug("类别标记(可多次):", "flag (repeatable): ", "flag", P_CARE)]
Assistance = Annotated[
    list[str] | None, _slug("已获救助(可多次):", "assistance received (repeatable): ", "assistance", P_CARE)
]

# option -> the column it sets, for the options whose value is stored as given
_AS_GIVEN = {
    "ethnicity": "ethnicity",
    "id_number": "id_number",
    "village": "village",
    "group": "village_group",
    "address": "address",
    "father_work": "father_work_place",
    "father_phone": "father_phone",
    "mother_work": "mother_work_place",
    "mother_phone": "mother_phone",
    "note": "family_notes",
    "guardian": "guardian_name",
    "guardian_phone": "guardian_phone",
    "school": "school",
    "grade": "grade",
    "class_": "class_name",
    "boarding": "boarding",
    "hobbies": "hobbies",
}
# option -> (its list of choices, the column it sets)
_CHOICES = {
    "gender": ("gender", "gender"),
    "guardian_relation": ("guardian_relation", "guardian_relation"),
    "guardian_rating": ("guardian_rating", "guardian_rating"),
    "schooling": ("schooling", "schooling"),
    "health": ("health", "health"),
}
# option -> the date column it sets
_DATES = {"birth": "birth_date", "care_agreement_on": "care_agreement_on", "consent_on": "consent_on"}


def field_values(params: dict, as_of: date) -> dict:
    """The child's options that were given (``params``: the command's parsed parameters by name, Click's
    ``ctx.params``) as the record's columns, their slugs and dates parsed (a bad one is a usage error, exit 2).
    Not given: None, or for a repeatable option no value (an empty tuple)."""
    params = {name: value for name, value in params.items() if value is not None and value != ()}
    raw: dict = {}
    for option, column in _AS_GIVEN.items():
        if params.get(option) is not None:
            raw[column] = params[option]
    for option, (choices, column) in _CHOICES.items():
        if params.get(option) is not None:
            raw[column] = opt_slug(choices, params[option], "--" + option.replace("_", "-"))
    for option, column in _DATES.items():
        if params.get(option) is not None:
            raw[column] = opt_date(params[option], "--" + option.replace("_", "-"), as_of)
    away = opt_slug("away", params["away"], "--away") if params.get("away") is not None else None
    parents = validate.parents_away(params.get("guardian_relation"), away)  # 父亲 at home: the mother is away
    if parents is not None:
        raw["father_away"], raw["mother_away"] = parents
    if params.get("flag") is not None:
        raw["flags"] = opt_slugs("flag", params["flag"], "--flag")
    if params.get("assistance") is not None:
        raw["assistance"] = opt_slugs("assistance", params["assistance"], "--assistance")
    return raw
