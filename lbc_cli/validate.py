"""Dates, phones, id numbers, slugs and text: one place, used by the commands and by import alike.

Every function takes the raw value and either returns the clean value or raises ``Invalid`` naming
the field and the problem. None of them raises anything else, whatever the input.
"""

import operator
import re
import unicodedata
from datetime import date

from lbc_cli import i18n
from lbc_cli.errors import ExitCode, Invalid

# A value that does not parse at all (date, slug, number, yes/no) is a usage error; one that parses
# but breaks a rule (a phone that is no phone, a date in the future) is a refusal.
USAGE = ExitCode.USAGE
# The largest row id: a PostgreSQL INTEGER (SQLite's go further; one limit keeps a file and a server alike).
MAX_ID = 2**31 - 1

_DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*(?:日\s*)?$", re.ASCII)
_MOBILE_RE = re.compile(r"^1[0-9]{10}$")
_LANDLINE_RE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}$")
_SPACE_RE = re.compile(r"\s")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")
# Characters that are not seen but change what is (C1 controls, zero widths, direction overrides that turn a
# name around on screen): no name, village or note needs one. A note keeps its line breaks (NEL, U+2028 and
# U+2029 too) and an emoji's zero-width joiner; a one-line field (a name, a village) has neither.
_INVISIBLE_RE = re.compile("[\x80-\x84\x86-\x9f\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_LINE_RE = re.compile("[\n\r\x85\u2028\u2029\u200d]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

MAX_TEXT = 200
MAX_LONG_TEXT = 4000
# The years a date may fall in: any birth, any plan; no date arithmetic falls off the calendar from them
FIRST_YEAR, LAST_YEAR = 1900, 2199


def parse_date(value: object, field: str, today: date | None = None) -> date:
    """ISO ``YYYY-MM-DD``; also ``YYYY/MM/DD``, ``YYYY.MM.DD``, ``YYYY年MM月DD日`` and ``today``."""
    if isinstance(value, date):
        return value
    text = _halfwidth(str(value)).strip()
    if text.lower() in ("today", "今天"):
        return today or date.today()
    match = _DATE_RE.match(text)
    if match and FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise Invalid(field, i18n.t("bad_date", value=_show(text)), USAGE)


def parse_slug(enum: str, value: object, field: str) -> str:
    """The slug for an English slug, a Chinese label, an English label (case and spaces ignored), or a word
    people type for it (``i18n.WORDS``: 奶奶 for grandparent)."""
    text = str(value).strip()
    table = i18n.ENUMS[enum]
    if text in table:
        return text
    word = i18n.WORDS.get(enum, {}).get(text)
    if word is not None:
        return word
    folded = text.casefold().replace("_", "-")
    for slug, (zh, en) in table.items():
        if folded in (slug.casefold(), en.casefold(), en.casefold().replace(" ", "-")) or text == zh:
            return slug
    raise Invalid(field, i18n.t("bad_choice", value=_show(text), choices=i18n.choices(enum)), USAGE)


_NAMES_RE = re.compile(r"[,，、\s]+")


def split_names(values: list[str] | None, field: str) -> list[str] | None:
    """A list of children or helpers as people type it: names (or ids) separated by ``,`` ``，`` ``、`` or spaces,
    in one argument or in several. A list given that names no one (only separators) is refused: it must not
    read as no list at all (every child of a village)."""
    if not values:
        return values
    names = [part for value in values for part in _NAMES_RE.split(value) if part]
    if not names:
        raise Invalid(field, i18n.t("required"), USAGE)
    return names


def parse_slug_set(enum: str, values: object, field: str) -> str:
    """A set of slugs from a list or a ';'/','/'、'-joined string, returned ';'-joined in catalog order."""
    if values is None:
        return ""
    items = values if isinstance(values, list | tuple) else [values]
    found: set[str] = set()
    for item in items:
        for part in re.split(r"[;,；，、]", str(item)):
            if part.strip():
                found.add(parse_slug(enum, part, field))
    return ";".join(slug for slug in i18n.ENUMS[enum] if slug in found)


def parse_phone(value: object, field: str) -> str | None:
    """A Chinese mobile (stored as 11 digits) or a landline ``0AREA-NUMBER`` (stored as given, spaces removed)."""
    text = _SPACE_RE.sub("", _halfwidth(str(value)))
    if text == "":
        return None
    if text.startswith("+86"):
        text = text[3:]
    digits = text.replace("-", "")
    if _MOBILE_RE.match(digits):
        return digits
    if _LANDLINE_RE.match(text):
        return text
    raise Invalid(field, i18n.t("bad_phone", value=_mask_for_error(_show(str(value)))))


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits."""
    return _ID_CHECK[sum(map(operator.mul, map(int, first17), _ID_WEIGHTS)) % 11]


def parse_id_number(value: object, field: str, birth: date | None = None, birth_name=None) -> str | None:
    """An 18-character resident id number with a valid check digit whose birth date matches ``birth``
    (``birth_name``: how the message names it, a file's column; else ``--birth``)."""
    text = _halfwidth(str(value)).strip().upper()
    if text == "":
        return None
    if len(text) == 18 and text[:17].isdigit() and text[:17].isascii() and text[17] == id_check_digit(text[:17]):
        # the common case, quickly: well formed, check digit right; what is left is the birth date
        if birth is None or text[6:14] == f"{birth.year:04d}{birth.month:02d}{birth.day:02d}":
            try:
                date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
                return text
            except ValueError:
                pass
    shown = _mask_for_error(text)
    if len(text) != 18:
        raise Invalid(field, i18n.t("bad_id_number", value=shown, why=i18n.t("id_length")))
    if not (text[:17].isascii() and text[:17].isdigit()) or not (text[17].isdigit() or text[17] == "X"):
        raise Invalid(field, i18n.t("bad_id_number", value=shown, why=i18n.t("id_chars")))
    expected = id_check_digit(text[:17])
    if text[17] != expected:
        raise Invalid(field, i18n.t("bad_id_number", value=shown, why=i18n.t("id_check", expected=expected)))
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise Invalid(field, i18n.t("bad_id_number", value=shown, why=i18n.t("id_birth_bad"))) from None
    if birth is not None and born != birth:
        if birth_name is None:
            why = i18n.t("id_birth", found=born.isoformat(), birth=birth.isoformat())
        else:
            why = i18n.t("id_birth_column", found=born.isoformat(), column=birth_name, birth=birth.isoformat())
        raise Invalid(field, i18n.t("bad_id_number", value=shown, why=why))
    return text


def id_number_gender(id_number: str) -> str:
    """'M' or 'F' from the 17th digit (odd is male)."""
    return "M" if int(id_number[16]) % 2 else "F"


def parse_text(value: object, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str | None:
    """Trimmed text; control characters and overlong values are refused. Newlines are allowed in long text."""
    text = "" if value is None else str(value).strip()
    if text == "":
        if required:
            raise Invalid(field, i18n.t("empty"))
        return None
    if _CONTROL_RE.search(text) or _INVISIBLE_RE.search(text) or (limit <= MAX_TEXT and _LINE_RE.search(text)):
        raise Invalid(field, i18n.t("control_chars"))
    if _SURROGATE_RE.search(text):  # half of a UTF-16 pair, as a JSON file may write "\udc80": no character
        raise Invalid(field, i18n.t("not_unicode"))
    if len(text) > limit:
        raise Invalid(field, i18n.t("too_long", n=limit))
    return text


def parse_int(value: object, field: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool):
        raise Invalid(field, i18n.t("bad_int", value=value), USAGE)
    if isinstance(value, int):
        if abs(value) >= 10**12:
            raise Invalid(field, i18n.t("bad_int", value=_show(str(value))), USAGE)
        number = value
    else:
        text = _halfwidth(str(value)).strip()
        if not re.fullmatch(r"[+-]?[0-9]{1,12}", text):
            raise Invalid(field, i18n.t("bad_int", value=_show(text)), USAGE)
        number = int(text)
    if minimum is not None and number < minimum:
        raise Invalid(field, i18n.t("config_min", min=minimum))
    if maximum is not None and number > maximum:
        raise Invalid(field, i18n.t("config_max", max=maximum))
    return number


def parse_number(value: object, field: str, *, minimum: float | None = None, maximum: float | None = None) -> float:
    text = _halfwidth(str(value)).strip()
    if not re.fullmatch(r"[+-]?([0-9]{1,12}(\.[0-9]{0,6})?|\.[0-9]{1,6})", text):
        raise Invalid(field, i18n.t("bad_number", value=_show(text)), USAGE)
    number = float(text)
    if minimum is not None and number < minimum:
        raise Invalid(field, i18n.t("config_min", min=minimum))
    if maximum is not None and number > maximum:
        raise Invalid(field, i18n.t("config_max", max=maximum))
    return number


def parse_bool(value: object, field: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in ("1", "true", "yes", "y", "是", "t"):
        return True
    if text in ("0", "false", "no", "n", "否", "f", ""):
        return False
    raise Invalid(field, i18n.t("bad_bool", value=_show(text)), USAGE)


def age_on(birth: date, on: date) -> int:
    """Completed years (周岁) on a date."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def birthday(birth: date, years: int) -> date:
    """The date a child born on ``birth`` turns ``years``; 29 February counts from 1 March."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return date(birth.year + years, 3, 1)


PURGED = "purged"  # a child's status once its personal data is erased (store.PURGED)


def birth_shown(birth: date | str | None, status: str | None) -> date | str | None:
    """A child's birth date as cards and lists show it: of a purged child only the year, the day being one
    the purge did not keep (it stores 1 January of the year: SPEC section 10)."""
    if status == PURGED and birth is not None:
        return str(birth)[:4]  # a date, or its ISO text
    return birth


def age_shown(birth: date, status: str | None, on: date) -> int | None:
    """A child's age on ``on`` as cards and lists show it: none for a purged child (its birthday is gone)."""
    return None if status == PURGED else age_on(birth, on)


def not_future(value: date, field: str, today: date) -> date:
    if value > today:
        raise Invalid(field, i18n.t("future_date", value=value.isoformat(), today=today.isoformat()))
    return value


def _halfwidth(text: str) -> str:
    """Full-width digits and signs typed on a Chinese keyboard (１３８, －, ＋) as ASCII."""
    return unicodedata.normalize("NFKC", text) if not text.isascii() else text


def _show(text: str) -> str:
    """A value quoted back in a message: short, printable, one line."""
    clean = re.sub(r"[\x00-\x1f\x7f]", "?", text)
    return clean if len(clean) <= 40 else clean[:37] + "..."


def _mask_for_error(text: str) -> str:
    # An id number or a phone is personal data: messages never echo it whole, nor at any length.
    text = _show(text) if len(text) <= 40 else _show(text[:24]) + "..."
    return mask(text) if len(text) > 7 else "*" * len(text)


# How a phone or id number is masked: its first and last characters kept, the rest starred (all of a short one).
# The one definition: the SQL of the fast CSV path (sqlcsv) is generated from these constants.
MASK_KEEP_FIRST = 3
MASK_KEEP_LAST = 4
MASK_CHAR = "*"


def mask(value: str | None) -> str | None:
    """Keep the first 3 and the last 4 characters; the middle becomes '*' (a value of 7 or fewer: all of it)."""
    if value is None or value == "":
        return value
    kept = MASK_KEEP_FIRST + MASK_KEEP_LAST
    if len(value) <= kept:
        return MASK_CHAR * len(value)
    return value[:MASK_KEEP_FIRST] + MASK_CHAR * (len(value) - kept) + value[-MASK_KEEP_LAST:]


# What looks like a mobile (11 digits from 1, spaces or dashes between its groups, +86 before it), or any run of
# 11 digits or more (an id number, its check character X too): masked wherever a message or a debug line shows it.
# A phone glued to other text (`table13812345678`) is still a phone: only digits bound a number.
# Full-width digits (１３８…) are digits to a person, and to lbc's phone and id rules.
# So are the spaces and dashes people put between groups (a no-break, an ideographic or a full-width one too).
_D = "[0-9０-９]"
_S = "[ \\-\u00a0\u3000－‐‑–]"
_MOBILE_IN_TEXT = re.compile(
    rf"(?<!{_D})((?:[+＋]?[8８][6６]{_S}?)?)([1１]{_D}{{2}}){_S}?{_D}{{4}}{_S}?({_D}{{4}})(?!{_D})"
)
_ID_IN_GROUPS = re.compile(rf"(?<!{_D})({_D}{{6}}){_S}?{_D}{{8}}{_S}?({_D}{{3}}[0-9０-９XxＸｘ])(?![0-9０-９XxＸｘ])")
_NUMBER_IN_TEXT = re.compile(rf"(?<!{_D}){_D}{{11,}}[XxＸｘ]?(?!{_D})")
_LANDLINE_IN_TEXT = re.compile(rf"(?<!{_D})[0０]{_D}{{2,3}}{_S}{_D}{{7,8}}(?!{_D})")


_UUID_IN_TEXT = re.compile(r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})")


def mask_in_text(text: str) -> str:
    """``text`` with every phone or id number in it masked as ``mask`` masks one (first 3 and last 4 kept). A
    uid is no number, even when its last part is all digits: it is left whole, for the user to name the row."""
    if not any(ch.isdigit() for ch in text):
        return text
    parts = _UUID_IN_TEXT.split(text)  # every other part a uid
    for i in range(0, len(parts), 2):
        part = _MOBILE_IN_TEXT.sub(lambda m: f"{m.group(1)}{m.group(2)}****{m.group(3)}", parts[i])
        part = _ID_IN_GROUPS.sub(lambda m: f"{m.group(1)[:3]}***********{m.group(2)}", part)
        part = _NUMBER_IN_TEXT.sub(lambda m: mask(m.group(0)), part)
        parts[i] = _LANDLINE_IN_TEXT.sub(lambda m: mask(m.group(0)), part)
    return "".join(parts)


_NUMERALS = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "十一": 11,
    "十二": 12,
}
_STAGES = {"初": 6, "初中": 6, "高": 9, "高中": 9}  # 初二: the junior school's second year, grade 8


def parse_grade(value: str, field: str = "GRADE") -> int:
    """A school grade as stored (1–6 primary, 7–9 junior, 10–12 senior, 0 before school) from what a person
    writes: 5, 五年级, 5年级, 初二 (8), 高一 (10), 初中二年级."""
    text = _halfwidth(str(value)).strip().removeprefix("小学")
    stage = 0
    for prefix in ("初中", "高中", "初", "高"):
        if text.startswith(prefix):
            stage, text = _STAGES[prefix], text.removeprefix(prefix)
            break
    text = text.removesuffix("年级").strip()
    number = int(text) if text.isdigit() and text.isascii() and len(text) <= 2 else _NUMERALS.get(text)
    if number is None or (stage and not 1 <= number <= 3) or not 0 <= stage + number <= 12:
        raise Invalid(field, i18n.t("bad_grade", value=_show(str(value))), USAGE)
    return stage + number


def parents_away(relation: str | None, away: str | None) -> tuple[bool, bool] | None:
    """(father away, mother away) as given: by ``away`` (an --away slug), else by a relation word that names the
    parent at home (父亲: the mother is the one away, SPEC section 10); None: neither says. The parent a relation word
    names both at home as the guardian and away (父亲 with --away father) is refused."""
    word = (relation or "").strip()
    other = i18n.OTHER_PARENT_AWAY.get(word)  # the parent away when the word names the one at home
    if away is None:
        return None if other is None else (other == "father", other == "mother")
    if other is not None and away not in (other, "both"):
        raise Invalid("--away", i18n.t("away_at_home", relation=word, away=away))
    return away in ("both", "father"), away in ("both", "mother")


# ---- whole records: one definition per table, used by the commands and by import ------------

# field -> (kind, argument): kind is text, longtext, slug, slugs, date, pastdate, phone, id, int, bool;
# the argument is the enum of a slug kind, the maximum of an int.
CHILD_FIELDS: dict[str, tuple[str, str | None]] = {
    "name": ("text", None),
    "gender": ("slug", "gender"),
    "ethnicity": ("text", None),
    "birth_date": ("pastdate", None),
    "id_number": ("id", None),
    "village": ("text", None),
    "village_group": ("text", None),
    "address": ("text", None),
    "school": ("text", None),
    "grade": ("int", "12"),
    "class_name": ("text", None),
    "schooling": ("slug", "schooling"),
    "boarding": ("bool", None),
    "health": ("slug", "health"),
    "guardian_name": ("text", None),
    "guardian_relation": ("slug", "guardian_relation"),
    "guardian_phone": ("phone", None),
    "guardian_rating": ("slug", "guardian_rating"),
    "care_agreement_on": ("pastdate", None),
    "consent_on": ("pastdate", None),
    "father_away": ("bool", None),
    "father_work_place": ("text", None),
    "father_phone": ("phone", None),
    "mother_away": ("bool", None),
    "mother_work_place": ("text", None),
    "mother_phone": ("phone", None),
    "flags": ("slugs", "flag"),
    "assistance": ("slugs", "assistance"),
    "hobbies": ("text", None),
    "family_notes": ("longtext", None),
    "status": ("slug", "status"),
    "exit_reason": ("slug", "exit_reason"),
    "exit_date": ("pastdate", None),
    "enrolled_on": ("pastdate", None),
    "reviewed_on": ("pastdate", None),
}
CHILD_REQUIRED = ("name", "gender", "birth_date", "enrolled_on")

HELPER_FIELDS: dict[str, tuple[str, str | None]] = {
    "name": ("text", None),
    "role": ("slug", "role"),
    "phone": ("phone", None),
    "organization": ("text", None),
    "village": ("text", None),
    "active": ("bool", None),
    "inactive_on": ("pastdate", None),
}
HELPER_REQUIRED = ("name", "role")


def clean_field(kind: str, arg: str | None, field: str, value: object, today: date) -> object:
    """One raw value (text from a file or an option) as the value stored in its column."""
    if kind == "slugs" and value is None:
        return ""  # an empty set, as an empty cell of a file says
    if kind == "bool" and value is None:
        return False
    if value is None or (isinstance(value, str) and value.strip() == "" and kind not in ("slugs", "bool")):
        return None
    if kind == "text":
        return parse_text(value, field)
    if kind == "longtext":
        return parse_text(value, field, limit=MAX_LONG_TEXT)
    if kind == "slug":
        return parse_slug(arg, value, field)
    if kind == "slugs":
        return parse_slug_set(arg, value, field)
    if kind == "date":
        return parse_date(value, field, today)
    if kind == "pastdate":
        return not_future(parse_date(value, field, today), field, today)
    if kind == "phone":
        return parse_phone(value, field)
    if kind == "id":
        return parse_id_number(value, field)
    if kind == "int":
        return parse_int(value, field, minimum=0, maximum=int(arg) if arg else None)
    if kind == "number":
        return parse_number(value, field, minimum=0)
    if kind == "bool":
        return parse_bool(value, field)
    raise AssertionError(kind)


def clean_record(spec: dict, raw: dict, *, today: date) -> dict:
    """Parse every field of ``raw`` present in ``spec``; unknown keys are ignored."""
    return {key: clean_field(*spec[key], key, value, today) for key, value in raw.items() if key in spec}


def check_required(values: dict, required: tuple[str, ...]) -> None:
    for key in required:
        if values.get(key) in (None, ""):
            raise Invalid(key, i18n.t("required"))


def check_child(
    values: dict, *, today: date, age_limit: int, check_age: bool = True, check_exit: bool = True
) -> list[str]:
    """Rules across fields of a whole child record; returns warnings (raises on a refusal). Without
    ``check_age`` the age at enrolment is not checked, without ``check_exit`` an aged-out exit's date is not.
    A purged child's birth date is its year alone (kept as 1 January): named as the year, and no age is
    reckoned from its day (``check_aged_out``'s ``year_only``)."""
    warnings: list[str] = []
    check_required(values, CHILD_REQUIRED)
    refusals = child_refusals(values, today=today, age_limit=age_limit, check_age=check_age, check_exit=check_exit)
    if refusals:
        raise refusals[0]
    birth, enrolled = values["birth_date"], values["enrolled_on"]
    if values.get("consent_on") is None and age_on(birth, enrolled) < 14:
        warnings.append(i18n.t("field_problem", field=i18n.field("consent_on"), problem=i18n.t("no_consent")))
    if values.get("id_number"):
        parse_id_number(values["id_number"], "id_number", birth)
        if values.get("gender") and id_number_gender(values["id_number"]) != values["gender"]:
            found = i18n.label("gender", id_number_gender(values["id_number"]))
            warnings.append(
                i18n.t("field_problem", field=i18n.field("id_number"), problem=i18n.t("id_gender", found=found))
            )
    return warnings


def child_refusals(
    values: dict, *, today: date, age_limit: int, check_age: bool = True, check_exit: bool = True, birth_name=None
) -> list[Invalid]:
    """Every rule across fields ``check_child`` keeps that a child record breaks, in its order; a rule is checked only
    when its fields are known (a field None or absent: not known, as a bad cell of an import is). ``birth_name``
    names the birth date in the id number's message (a file's column; else ``--birth``)."""
    out: list[Invalid] = []
    birth, enrolled = values.get("birth_date"), values.get("enrolled_on")
    year_only = values.get("status") == PURGED
    exit_on = values.get("exit_date")

    def keep(check, *args, **kwargs) -> None:
        try:
            check(*args, **kwargs)
        except Invalid as exc:
            out.append(exc)

    if birth is not None:
        born = birth_shown(birth.isoformat(), values.get("status"))
        keep(not_future, birth, "birth_date", today)
        if enrolled is not None and enrolled < birth:
            out.append(Invalid("enrolled_on", i18n.t("before_birth", value=enrolled.isoformat(), birth=born)))
        elif enrolled is not None and check_age and not year_only and birthday(birth, age_limit) <= enrolled:
            out.append(
                Invalid(
                    "birth_date",
                    i18n.t("too_old", birth=birth.isoformat(), on=enrolled.isoformat(), limit=age_limit),
                )
            )
        for key in ("care_agreement_on", "consent_on", "exit_date", "reviewed_on"):
            if values.get(key) is not None and values[key] < birth:
                out.append(Invalid(key, i18n.t("before_birth", value=values[key].isoformat(), birth=born)))
    if exit_on is not None and enrolled is not None and exit_on < enrolled:
        out.append(
            Invalid("exit_date", i18n.t("exit_before_enrol", date=exit_on.isoformat(), enrolled=enrolled.isoformat()))
        )
    if birth is not None and check_exit and values.get("exit_reason") == "aged-out" and exit_on is not None:
        keep(check_aged_out, birth, exit_on, age_limit=age_limit, child_id=values.get("id"), year_only=year_only)
    if values.get("id_number") and birth is not None:
        keep(parse_id_number, values["id_number"], "id_number", birth, birth_name)
    return out


EXAM_FIELDS: dict[str, tuple[str, str | None]] = {
    "school_year": ("int", "2100"),
    "term": ("int", "2"),
    "class_rank": ("int", "1000"),
    "class_size": ("int", "1000"),
    "total_score": ("number", None),
    "merit_student": ("bool", None),
    "serious_violation": ("bool", None),
}
EXAM_REQUIRED = ("school_year", "term", "class_rank")
SCHOOL_YEARS_BACK = 10


def school_year_of(day: date) -> int:
    """The school year a date falls in: it starts on 1 September."""
    return day.year if day.month >= 9 else day.year - 1


def check_exam(values: dict, *, today: date) -> None:
    """A term 1 or 2, a rank within the class, a school year not in the future nor long past."""
    check_required(values, EXAM_REQUIRED)
    refusals = exam_refusals(values, today=today)
    if refusals:
        raise refusals[0]


def exam_refusals(values: dict, *, today: date) -> list[Invalid]:
    """Every rule ``check_exam`` keeps that an exam record breaks, in its order; a rule is checked only when its
    fields are known (None or absent: not known, as a bad cell of an import is)."""
    out: list[Invalid] = []
    year, term, rank, size = (values.get(key) for key in ("school_year", "term", "class_rank", "class_size"))
    if term is not None and term not in (1, 2):
        out.append(Invalid("term", i18n.t("bad_term", value=term)))
        term = None
    if rank is not None and rank < 1:
        out.append(Invalid("class_rank", i18n.t("config_min", min=1)))
    elif rank is not None and size is not None and rank > size:
        out.append(Invalid("class_rank", i18n.t("rank_over_size", rank=rank, size=size)))
    current = school_year_of(today)
    if year is not None and not current - SCHOOL_YEARS_BACK <= year <= current:
        out.append(
            Invalid("school_year", i18n.t("bad_school_year", year=year, low=current - SCHOOL_YEARS_BACK, high=current))
        )
        year = None
    if year is not None and term is not None:
        try:
            check_exam_sat(year, term, today=today, child_id=values.get("child_id"))
        except Invalid as exc:
            out.append(exc)
    return out


def final_exam_day(school_year: int, term: int) -> date:
    """The first day the final exam of a term can have been sat: term 1 of school year Y ends in January of Y+1
    (from 1 January), term 2 in July (from 1 June: some schools sit it early)."""
    return date(school_year + 1, 1, 1) if term == 1 else date(school_year + 1, 6, 1)


def check_exam_sat(school_year: int, term: int, *, today: date, child_id: int | None = None) -> None:
    """Refuse the ranks of a term whose final exam cannot have been sat by ``today`` (SPEC section 10): the one
    rule `exam add`, `exam edit`, `import exams` and `merge` keep. ``child_id`` names the child in the message."""
    first = final_exam_day(school_year, term)
    if today < first:
        who = i18n.t("exam_of_child", id=child_id) if child_id is not None else ""
        raise Invalid(
            "term",
            i18n.t("exam_not_sat", who=who, year=school_year, next=school_year + 1, term=term, first=first.isoformat()),
        )


def check_aged_out(
    birth: date, exit_date: date, *, age_limit: int, child_id: int | None = None, year_only: bool = False
) -> None:
    """Refuse an exit for reason ``aged-out`` before the child reaches ``age_limit`` (SPEC section 10): the rule
    `child exit`, `child update`, `import children` and `merge` keep. ``year_only``: only the birth year is known
    (a purged child's): refused only before 1 January of the year it turns ``age_limit``, the earliest it can."""
    reached = birthday(birth, age_limit)
    who = i18n.t("exam_of_child", id=child_id) if child_id is not None else ""
    if year_only:
        reached = date(birth.year + age_limit, 1, 1)
        if exit_date < reached:
            raise Invalid(
                "exit_reason",
                i18n.t(
                    "aged_out_early_year",
                    who=who,
                    date=exit_date.isoformat(),
                    limit=age_limit,
                    born=birth.year,
                    year=reached.year,
                ),
            )
        return
    if exit_date < reached:
        raise Invalid(
            "exit_reason",
            i18n.t("aged_out_early", who=who, date=exit_date.isoformat(), limit=age_limit, reached=reached.isoformat()),
        )
