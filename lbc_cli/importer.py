"""lbc import: read a whole file, check every row, then write all of it in one transaction or nothing.

Validation runs first, over every row, with the same rules as the single-row commands
(validate.py); only a file without a bad row is written, through the DB-API `executemany` in
chunks inside one transaction. Every bad row is reported as `FILE:ROW: column: problem`.
"""

import uuid
from collections.abc import Iterable
from datetime import date

from lbc_cli import i18n, io, pinyin, validate
from lbc_cli.errors import ExitCode, Invalid, LbcError

CHUNK = 5000
EMPTY = {"slugs": "", "bool": False}  # what an empty cell means, by field kind (others: nothing)
MAX_REPORTED = 50

DATE_COLUMNS = frozenset(
    {
        "birth_date", "care_agreement_on", "consent_on", "exit_date", "enrolled_on", "reviewed_on",
        "start_date", "end_date", "date", "follow_up_date",
    }
)  # fmt: skip

# Export name -> (table name, field specs, required fields)
TABLES = {
    "children": ("children", validate.CHILD_FIELDS, validate.CHILD_REQUIRED),
    "helpers": ("helpers", validate.HELPER_FIELDS, validate.HELPER_REQUIRED),
    "pairs": (
        "pairings",
        {
            "child_id": ("int", None),
            "helper_id": ("int", None),
            "start_date": ("pastdate", None),
            "end_date": ("pastdate", None),
            "note": ("longtext", None),
        },
        ("child_id", "helper_id", "start_date"),
    ),
    "contacts": (
        "contacts",
        {
            "child_id": ("int", None),
            "helper_id": ("int", None),
            "kind": ("slug", "kind"),
            "date": ("pastdate", None),
            "with_whom": ("slug", "with"),
            "minutes": ("int", "1440"),
            "note": ("longtext", None),
            "follow_up_date": ("date", None),
            "no_answer": ("bool", None),
        },
        ("child_id", "kind", "date"),
    ),
    "exams": ("exams", validate.EXAM_FIELDS, (*validate.EXAM_REQUIRED, "child_id")),
}
TABLES["exams"][1]["child_id"] = ("int", None)

# Headers a clerk may type instead of the column names (besides each field's Chinese label).
SYNONYMS = {
    "身份证号码": "id_number",
    "公民身份号码": "id_number",
    "监护人姓名": "guardian_name",
    "监护人联系电话": "guardian_phone",
    "与监护人关系": "guardian_relation",
    "儿童姓名": "name",
    "出生年月": "birth_date",
    "所在村": "village",
    "村组": "village_group",
    "家庭住址": "address",
    "就读学校": "school",
    "类别": "flags",
    "帮扶人姓名": "name",
}


def header_map(headers: list[str], columns: list[str]) -> dict[str, str]:
    """Raw header -> column: the column name itself (any case), its Chinese label, or a synonym."""
    by_label = {i18n.FIELDS[c][0]: c for c in columns if c in i18n.FIELDS}
    mapping = {}
    for header in headers:
        key = (header or "").strip().lstrip("\ufeff")
        folded = key.lower().replace(" ", "_").replace("-", "_")
        if folded in columns:
            mapping[header] = folded
        elif key in by_label:
            mapping[header] = by_label[key]
        elif SYNONYMS.get(key) in columns:
            mapping[header] = SYNONYMS[key]
    return mapping


class Problems:
    """Every bad row of a file, reported up to a cap with a count of the rest."""

    def __init__(self, source: str):
        self.source = source
        self.lines: list[str] = []
        self.count = 0

    def add(self, row: int, column: str, problem: str) -> None:
        self.count += 1
        if len(self.lines) < MAX_REPORTED:
            self.lines.append(f"{self.source}:{row}: {column}: {problem}")

    def raise_if_any(self) -> None:
        if self.count:
            details = list(self.lines)
            if self.count > len(self.lines):
                details.append(i18n.t("import_more", n=self.count - len(self.lines)))
            raise LbcError(i18n.t("import_bad", n=self.count, file=self.source), ExitCode.REFUSED, details=details)


def _clean_row(
    table: str, raw: dict, spec: dict, required: tuple, today: date, age_limit: int, csv_quotes: bool
) -> dict:
    values = {}
    for column, value in raw.items():
        if column in ("id", "uid"):
            continue
        kind, arg = spec[column]
        if value is None or value == "":
            # most cells of a roster are empty: no parsing for them
            values[column] = EMPTY.get(kind)
            continue
        if csv_quotes and value.__class__ is str and value[0] == "'":
            value = io.unneutralise(value)  # the quote CSV export put before a formula-like cell
        values[column] = validate.clean_field(kind, arg, column, value, today)
    if raw.get("id") not in (None, ""):
        values["id"] = validate.parse_int(raw["id"], "id", minimum=1)
    if raw.get("uid") not in (None, ""):
        text = str(raw["uid"]).strip()
        try:
            values["uid"] = str(uuid.UUID(text))
        except ValueError:
            raise Invalid("uid", i18n.t("bad_uid", value=text[:40])) from None
    for key in required:
        if values.get(key) in (None, "") and not (table == "children" and key == "enrolled_on"):
            raise Invalid(key, i18n.t("required"))
    if table == "children":
        if values.get("enrolled_on") is None:
            values["enrolled_on"] = today  # a roster typed without it is enrolled on the day it is imported
        values.setdefault("flags", "")
        values.setdefault("assistance", "")
        values.setdefault("father_away", True)
        values.setdefault("mother_away", True)
        values.setdefault("boarding", False)
        values.setdefault("status", "active")
        values.setdefault("reviewed_on", values["enrolled_on"])
        validate.check_child(values, today=today, age_limit=age_limit, check_age=values["status"] == "active")
    elif table == "helpers":
        values.setdefault("active", True)
    elif table == "pairs":
        if values.get("end_date") is not None and values["end_date"] < values["start_date"]:
            raise Invalid("end_date", i18n.t("end_before_start", date=values["end_date"], start=values["start_date"]))
    elif table == "contacts":
        values.setdefault("no_answer", False)
        if values.get("follow_up_date") is not None and values["follow_up_date"] < values["date"]:
            raise Invalid(
                "follow_up_date", i18n.t("follow_up_before", follow=values["follow_up_date"], date=values["date"])
            )
    elif table == "exams":
        values.setdefault("merit_student", False)
        values.setdefault("serious_violation", False)
        validate.check_exam(values, today=today)
    return values


def load(
    name: str,
    rows: Iterable[tuple[int, dict]],
    *,
    source: str,
    session,
    today: date,
    dry_run: bool = False,
    force: bool = False,
    progress=None,
    csv_quotes: bool = False,
) -> int:
    """Check every row of an import, then (unless ``dry_run``) insert them all. Returns the row count."""
    from sqlalchemy import select

    from lbc_cli import store
    from lbc_cli.models import Child, Exam, Helper, Pairing, SQLModel

    table_name, spec, required = TABLES[name]
    table = SQLModel.metadata.tables[table_name]
    columns = [c.name for c in table.columns]
    age_limit = int(store.rule_values(session=session)["age_limit"])
    problems = Problems(source)
    existing_ids = {r[0] for r in store.raw_rows(select(table.c.id), session=session)}
    existing_uids = {r[0] for r in store.raw_rows(select(table.c.uid), session=session)}
    child_ids = helper_ids = None
    if name in ("pairs", "contacts", "exams"):
        child_ids = {r[0] for r in store.raw_rows(select(Child.id), session=session)}
    if name in ("pairs", "contacts"):
        helper_ids = {r[0] for r in store.raw_rows(select(Helper.id), session=session)}
    seen_keys: dict[tuple, int] = {}
    if name == "children":
        for cid, cname, birth, id_number in store.raw_rows(
            select(Child.id, Child.name, Child.birth_date, Child.id_number), session=session
        ):
            seen_keys[("name", cname, str(birth))] = -cid
            if id_number:
                seen_keys[("id", id_number)] = -cid
    exam_keys: dict[tuple, int] = {}
    if name == "exams":
        for key in store.raw_rows(select(Exam.child_id, Exam.school_year, Exam.term), session=session):
            exam_keys[tuple(key)] = 0
    spans: dict[tuple, list[tuple]] = {}
    if name == "pairs":
        for child, helper, start, end in store.raw_rows(
            select(Pairing.child_id, Pairing.helper_id, Pairing.start_date, Pairing.end_date), session=session
        ):
            spans.setdefault((child, helper), []).append((store.as_date(start), store.as_date(end), 0))
    clean: list[dict] = []
    for row_number, raw in rows:
        if progress is not None:
            progress()
        if io.BAD_CELLS in raw:
            problems.add(row_number, "-", raw[io.BAD_CELLS])
            continue
        unknown = [k for k in raw if k not in spec and k not in ("id", "uid")]
        if unknown:
            problems.add(row_number, unknown[0], i18n.t("import_unknown_column"))
            continue
        try:
            values = _clean_row(name, raw, spec, required, today, age_limit, csv_quotes)
        except Invalid as exc:
            problems.add(row_number, exc.field, exc.problem)
            continue
        if "id" in values:
            if values["id"] in existing_ids:
                problems.add(row_number, "id", i18n.t("import_id_taken", id=values["id"]))
                continue
            existing_ids.add(values["id"])
        values.setdefault("uid", str(uuid.uuid4()))
        if values["uid"] in existing_uids:
            problems.add(row_number, "uid", i18n.t("import_uid_taken"))
            continue
        existing_uids.add(values["uid"])
        if child_ids is not None and values["child_id"] not in child_ids:
            problems.add(row_number, "child_id", i18n.t("import_no_child", id=values["child_id"]))
            continue
        if helper_ids is not None and values.get("helper_id") is not None and values["helper_id"] not in helper_ids:
            problems.add(row_number, "helper_id", i18n.t("import_no_helper", id=values["helper_id"]))
            continue
        if name == "children" and not force:
            keys = [("name", values["name"], values["birth_date"].isoformat())]
            if values.get("id_number"):
                keys.append(("id", values["id_number"]))
            clash = next((seen_keys[k] for k in keys if k in seen_keys), None)
            if clash is not None:
                where = i18n.t("import_dup_db", id=-clash) if clash < 0 else i18n.t("import_dup_row", row=clash)
                problems.add(row_number, "name", where)
                continue
            for key in keys:
                seen_keys[key] = row_number
        if name == "exams":
            key = (values["child_id"], values["school_year"], values["term"])
            if key in exam_keys:
                where = (
                    i18n.t("import_exam_db") if exam_keys[key] == 0 else i18n.t("import_dup_row", row=exam_keys[key])
                )
                problems.add(row_number, "term", where)
                continue
            exam_keys[key] = row_number
        if name == "pairs":
            couple = (values["child_id"], values["helper_id"])
            start, end = values["start_date"], values.get("end_date")
            clash = next(
                (row for s, e, row in spans.get(couple, []) if (e is None or start < e) and (end is None or s < end)),
                None,
            )
            if clash is not None:
                where = i18n.t("import_pair_db") if clash == 0 else i18n.t("import_dup_row", row=clash)
                problems.add(row_number, "start_date", where)
                continue
            spans.setdefault(couple, []).append((start, end, row_number))
        if name in ("children", "helpers"):
            values["name_pinyin"], values["name_initials"] = pinyin.name_keys(values["name"])
        clean.append(values)
    problems.raise_if_any()
    if dry_run or not clean:
        return len(clean)
    _insert(session, table, columns, clean)
    store.audit(session, table_name, None, "import", None, {"rows": len(clean), "file": source})
    return len(clean)


def _insert(session, table, columns: list[str], rows: list[dict]) -> None:
    """executemany in chunks on the session's own connection (one transaction), explicit ids kept."""
    from lbc_cli import db

    connection = session.connection()
    # SQLite keeps dates as ISO text (as SQLAlchemy's Date writes them); PostgreSQL's driver takes dates
    as_text = connection.dialect.name == "sqlite"
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        for with_id in (True, False):
            batch = [r for r in rows if ("id" in r) == with_id]
            if not batch:
                continue
            keys = columns if with_id else [c for c in columns if c != "id"]
            statement = table.insert().compile(dialect=connection.dialect, column_keys=keys)
            order = list(statement.positiontup) if statement.positiontup is not None else keys
            dates = [i for i, name in enumerate(order) if name in DATE_COLUMNS] if as_text else []
            for start in range(0, len(batch), CHUNK):
                params = []
                for row in batch[start : start + CHUNK]:
                    values = [row.get(name) for name in order]
                    for index in dates:
                        if values[index] is not None:
                            values[index] = values[index].isoformat()
                    params.append(
                        values if statement.positiontup is not None else dict(zip(order, values, strict=True))
                    )
                cursor.executemany(str(statement), params)
    finally:
        cursor.close()
    db.sync_sequences(connection, table.name)
