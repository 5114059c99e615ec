"""Whole tables out and in: the rows `lbc export` writes, read in one snapshot, and the rows `lbc import`
loads, in one transaction."""

from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from datetime import date
from typing import TYPE_CHECKING

from lbc_cli import i18n

if TYPE_CHECKING:
    from lbc_cli.output import Table


# The columns of each exported table whose slugs have labels for people (``export --labels``, a workbook): column ->
# the enum of i18n.ENUMS. Booleans are shown as yes/no by their type.
EXPORT_ENUMS: dict[str, dict[str, str]] = {
    "children": i18n.value_enums(
        "gender", "schooling", "health", "guardian_relation", "guardian_rating", "flags", "assistance", "status",
        "exit_reason",
    ),
    "helpers": i18n.value_enums("role"),
    "pairs": {},
    "contacts": i18n.value_enums("kind", "with_whom"),
    "exams": {},
    "exits": i18n.value_enums("exit_reason"),
    "scores": {**i18n.value_enums("role", "award"), "kind": "payee"},  # a payroll line's kind: whom it pays
}  # fmt: skip


def sheet_name(table: str, labels: bool) -> str:
    """What a workbook's sheet of an exported ``table`` is called: its name for people in the session's language
    (儿童, children) with labels, the table's own name (children) with slugs."""
    return i18n.label("export", table) if labels else table


@contextmanager
def exported(
    db,
    model,
    columns: list[str],
    *,
    reveal: bool,
    equal: dict,
    start: date | None,
    end: date | None,
    status: str | None = None,
    labels: bool = False,
    form: bool = False,
) -> Iterator["Table"]:
    """Every row of a table in id order (``store.table_query``'s filters: a purged child's rows only when
    ``status`` asks for them) as the output layer's Table, read in one snapshot while the block writes it;
    its CSV writer may have the database make the lines itself. A purged child's birth date is its year
    alone (SPEC section 10: the day it is stored with is not its birthday; ``lbc import`` reads it back).
    ``labels``: headers and values for people (``output.labelled``), the sheet named in the session's language;
    ``form``: the children as the national registration form (``registration_form``), by default those in the
    programme (``REGISTRATION_STATUS``)."""
    from lbc_cli import models, sqlcsv, store
    from lbc_cli.output import Table

    if form and status is None:
        status = REGISTRATION_STATUS

    query = store.table_query(model, columns, equal=equal, start=start, end=end, status=status)
    years = status in (store.PURGED, "all") and model.__table__.name == "children" and "birth_date" in columns
    # the readers are ended here, in their transaction, even when the writing stops half-way
    with db.session() as session, ExitStack() as readers:
        stored = readers.enter_context(closing(store.stream_rows(query, columns, session=session)))

        def csv_lines(masked: frozenset[str]):
            lines = sqlcsv.csv_lines(query, model, columns, session=session, masked=masked, years=years)
            return lines if lines is None else readers.enter_context(closing(lines))

        name = next(key for key, value in models.TABLES.items() if value is model)
        table = Table(
            columns,
            map(_birth_year, stored) if years else stored,
            reveal=reveal,
            csv_lines=csv_lines,
            enums=EXPORT_ENUMS[name],
            title=sheet_name(name, labels),
            labels=labels,
        )
        yield registration_form(table) if form else table


# The payroll sheet of a school year (assessment.payroll): its columns
PAYROLL_COLUMNS = ["school_year", "kind", "id", "name", "role", "award", "score", "yuan"]


def payroll(db, year: int, *, labels: bool = False) -> "Table":
    """The payroll of a school year (``export scores``) as the output layer's Table: a helper's line, then a pupil's
    award's; ``labels`` as ``exported`` takes it (its ``kind`` headed 发放对象, paid to)."""
    from lbc_cli import assessment
    from lbc_cli.output import Table

    return Table(
        PAYROLL_COLUMNS,
        assessment.payroll(db, year),
        enums=EXPORT_ENUMS["scores"],
        headers={"kind": i18n.t("payee_header")},
        title=sheet_name("scores", labels),
        labels=labels,
    )


# The 2016 national form (农村留守儿童基本情况登记表), as far as lbc holds its fields: (header, column, enum). Its
# headers are fixed, in Chinese whatever the session's language (SPEC section 11), and ``lbc import children``
# reads a form back by them; 序号 numbers the form's rows 1...n (no database id: a form goes to another database).
REGISTRATION_FORM = [
    ("序号", None, None),
    ("姓名", "name", None),
    ("性别", "gender", "gender"),
    ("民族", "ethnicity", None),
    ("出生日期", "birth_date", None),
    ("公民身份号码", "id_number", None),
    ("所在村", "village", None),
    ("村民组", "village_group", None),
    ("家庭住址", "address", None),
    ("就学情况", "schooling", "schooling"),
    ("就读学校", "school", None),
    ("年级", "grade", None),
    ("班级", "class_name", None),
    ("是否寄宿", "boarding", "yesno"),
    ("健康状况", "health", "health"),
    ("父亲是否外出务工", "father_away", "yesno"),
    ("父亲务工地点", "father_work_place", None),
    ("父亲联系电话", "father_phone", None),
    ("母亲是否外出务工", "mother_away", "yesno"),
    ("母亲务工地点", "mother_work_place", None),
    ("母亲联系电话", "mother_phone", None),
    ("监护人姓名", "guardian_name", None),
    ("与儿童关系", "guardian_relation", "guardian_relation"),
    ("监护人联系电话", "guardian_phone", None),
    ("监护情况", "guardian_rating", "guardian_rating"),
    ("委托照护确认日期", "care_agreement_on", None),
    ("类别", "flags", "flag"),
    ("已获救助情况", "assistance", "assistance"),
    ("建档日期", "enrolled_on", None),
    ("备注", "family_notes", None),
]
REGISTRATION_HEADERS = [header for header, _column, _enum in REGISTRATION_FORM]
REGISTRATION_SHEET = "农村留守儿童基本情况登记表"
# What the form holds by default: the children in the programme (``--status`` asks for others)
REGISTRATION_STATUS = "active"


def registration_form(table: "Table") -> "Table":
    """The children of an exported ``table`` (``exported``'s, of the children) as the national form: its Chinese
    headers and labels whatever the session's language, its rows numbered 1...n, phone and id numbers masked
    unless revealed (before the headers hide which columns hold them), and kept as text in a workbook; a purged
    child's birth year only."""
    from lbc_cli import io, validate
    from lbc_cli.output import Table

    rows = map(io.masker(table.columns, table.reveal), table.rows)

    def form():
        with i18n.using("zh"):
            yes, no = i18n.t("yes"), i18n.t("no")
        for number, row in enumerate(rows, 1):
            out = {}
            with i18n.using("zh"):
                for header, column, enum in REGISTRATION_FORM:
                    value = row.get(column) if column else number
                    if column == "birth_date":
                        value = validate.birth_shown(value, row.get("status"))
                    elif enum == "yesno":
                        value = yes if value else no
                    elif enum in ("flag", "assistance"):
                        value = i18n.labels(enum, value)
                    elif enum:
                        value = i18n.label(enum, value)
                    out[header] = value
            yield out

    texts = [header for header, column, _enum in REGISTRATION_FORM if column in io.SENSITIVE]
    return Table(
        REGISTRATION_HEADERS, form(), reveal=True, title=REGISTRATION_SHEET, text_columns=texts, one_page_wide=True
    )


def _birth_year(row: dict) -> dict:
    """A child's row as exported: of a purged child, the birth year alone (as text: "2016")."""
    from lbc_cli import validate

    if row.get("status") == validate.PURGED:
        row["birth_date"] = validate.birth_shown(row["birth_date"], validate.PURGED)
    return row


def import_file(
    db,
    name: str,
    file: str,
    *,
    fmt: str,
    encoding: str | None,
    today: date,
    dry_run: bool,
    force: bool,
    progress,
    warn=None,
) -> int:
    """Import a file (``-``: stdin) into table ``name``, its headers matched to the table's columns, in one
    transaction: every row, or none when a row is bad or on a dry run (``importer.load``); the number of rows."""
    from lbc_cli import importer, io

    _table, spec, _required = importer.TABLES[name]
    columns = [*spec, "id", "uid"]
    source = "<stdin>" if file == "-" else file
    headers: dict[str, str] = {}  # column -> the file's own header for it: how a problem names the column

    def rename(raw: list[str]) -> list[str]:
        """A CSV file's or a sheet's header as columns, checked once for the whole file (importer.check_header)."""
        mapping = importer.header_map(raw, columns)
        keys = [mapping.get(h, h) for h in raw]
        importer.check_header(name, source, raw, keys, blank_ok=fmt == "xlsx")
        for header, key in zip(raw, keys, strict=True):
            headers.setdefault(key, header.strip().lstrip("\ufeff").strip())
        return keys

    def is_header(raw: list[str]) -> bool:
        """A sheet's row every filled cell of which names a column (a title row above the header does not)."""
        filled = [h for h in raw if h.strip()]
        mapping = importer.header_map(filled, columns)
        return bool(filled) and all(h in mapping for h in filled)

    def mapped():
        if fmt in ("csv", "xlsx"):  # named once, from the header
            sheets = (name, *i18n.ENUMS["export"][name])
            yield from io.read_rows(file, fmt, encoding, rename, sheets, is_header)
            return
        mapping: dict[str, str] = {}  # each key of a JSON object, as the objects bring it
        for number, raw in io.read_rows(file, fmt, encoding):
            if io.BAD_CELLS in raw:
                yield number, raw
                continue
            for key in raw:
                if key not in mapping:
                    mapping[key] = importer.header_map([key], columns).get(key, key)
                    headers.setdefault(mapping[key], key)
            yield number, {mapping[k]: v for k, v in raw.items()}

    with db.session(write=True) as session:
        return importer.load(
            name,
            mapped(),
            source=source,
            session=session,
            today=today,
            dry_run=dry_run,
            force=force,
            progress=progress,
            csv_quotes=fmt == "csv",
            warn=warn,
            headers=headers,
        )
