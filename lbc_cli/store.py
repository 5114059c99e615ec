"""Data access through a session: queries and writes, each taking the session as a keyword argument.

The domain's conditions (in the programme, priority, a pairing in force, a village's children) are those
of ``conditions``, wrapped here as SQLAlchemy clauses; ``reminder_facts`` reads with the same text.
Writes go through ``insert_row`` and ``update_row`` so that each change lands in the audit log with
its old and new values, and derived columns (pinyin) stay current.
"""

import getpass
import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, exists, func, or_, select
from sqlmodel import Session, SQLModel

from lbc_cli import conditions, context, db, i18n, pinyin, validate
from lbc_cli.errors import Invalid, LbcError
from lbc_cli.models import DERIVED, AuditEntry, Child, Contact, Exam, Exit, Helper, Pairing, ScheduleItem, Setting


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers, cron without USER)
        return "unknown"


def _compiled(statement, dialect) -> tuple[str, Any]:
    """A Core statement as the DB-API takes it: its SQL text and parameters in the driver's style."""
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    if compiled.positiontup is not None:
        params = tuple(compiled.params[name] for name in compiled.positiontup)
    return str(compiled), params


_server_cursors = itertools.count()


@contextmanager
def _raw_cursor(statement, session: Session, *, in_batches: bool = False):
    """A DB-API cursor on which the Core SELECT ``statement`` has been run; closed after the block.
    ``in_batches``: the rows are to be fetched a batch at a time and need not all be held at once (SQLite's
    cursor reads them as asked; on PostgreSQL a server-side cursor, where psycopg's plain one takes the whole
    result at once)."""
    connection = session.connection()
    sql, params = _compiled(statement, connection.dialect)
    dbapi_connection = connection.connection.dbapi_connection
    if in_batches and connection.dialect.name == "postgresql":
        cursor = dbapi_connection.cursor(name=f"lbc_batches_{next(_server_cursors)}")
    else:
        cursor = dbapi_connection.cursor()
    try:
        cursor.execute(sql, params)
        yield cursor
    finally:
        cursor.close()


def raw_rows(statement, *, session: Session) -> list[tuple]:
    """A Core SELECT run straight on the DB-API cursor: plain tuples, no per-row type processing.

    For the set-based queries over whole tables (100,000 children, 1,000,000 contacts), where
    SQLAlchemy's row objects and date parsing would cost more than the query. Dates come back as
    ISO text on SQLite and as ``date`` on PostgreSQL: read them with ``as_date``."""
    with _raw_cursor(statement, session) as cursor:
        return cursor.fetchall()


def raw_batches(statement, *, session: Session, size: int = 10_000) -> Iterator[list[tuple]]:
    """``raw_rows`` a batch of ``size`` rows at a time: for a county's rows read into counts or written out,
    which then need not all be held at once."""
    with _raw_cursor(statement, session, in_batches=True) as cursor:
        while batch := cursor.fetchmany(size):
            yield batch


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def joined(expression, separator: str, *, session: Session):
    """SQL aggregate: a group's values that are not NULL as one text, ``separator`` between them
    (group_concat on SQLite, string_agg on PostgreSQL). A group's values come back in one row: a day
    of a county's contacts as a few texts instead of thousands of rows."""
    from sqlalchemy import String, cast

    text = cast(expression, String)
    if session.get_bind().dialect.name == "sqlite":
        return func.group_concat(text, separator)
    return func.string_agg(text, separator)


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _values(obj: SQLModel, names: list[str] | None = None) -> dict[str, Any]:
    cols = names or [c.name for c in obj.__table__.columns if c.name not in DERIVED]
    return {name: _jsonable(getattr(obj, name)) for name in cols}


def audit(
    session: Session,
    table: str,
    row_id: int | None,
    action: str,
    old: dict | None,
    new: dict | None,
    *,
    reason: str | None = None,
) -> None:
    """One entry of the audit log: who, which command, the row, its old and new values, and why (a correction's
    ``--reason``)."""
    session.add(
        AuditEntry(
            os_user=os_user(),
            command=context.command,
            table_name=table,
            row_id=row_id,
            action=action,
            old_values=json.dumps(old, ensure_ascii=False, sort_keys=True) if old else None,
            new_values=json.dumps(new, ensure_ascii=False, sort_keys=True) if new else None,
            reason=reason if reason is not None else context.reason,
        )
    )


@contextmanager
def because(reason: str | None) -> Iterator[None]:
    """Within the block, every audit entry keeps ``reason`` (a command's --reason, checked as any text is), for a
    correction that writes several rows through functions that do not take one."""
    before = context.reason
    context.reason = validate.parse_text(reason, "--reason")
    try:
        yield
    finally:
        context.reason = before


def _derive(model: type[SQLModel], values: dict[str, Any]) -> None:
    if "name" in values and "name_pinyin" in model.__table__.columns:
        values.update(pinyin.derived(values["name"]))


def insert_row(model: type[SQLModel], values: dict[str, Any], *, session: Session) -> SQLModel:
    values = dict(values)
    _derive(model, values)
    obj = model(**values)
    session.add(obj)
    session.flush()
    audit(session, model.__tablename__, obj.id, "insert", None, _values(obj))
    return obj


def update_row(
    obj: SQLModel, changes: dict[str, Any], *, session: Session, reason: str | None = None
) -> dict[str, tuple[Any, Any]]:
    """Apply the changes that differ; returns {field: (old, new)} of what changed. ``reason``: why, for the
    audit log."""
    changes = dict(changes)
    _derive(type(obj), changes)
    changed = {k: (getattr(obj, k), v) for k, v in changes.items() if getattr(obj, k) != v}
    if not changed:
        return {}
    for key, (_old, new) in changed.items():
        setattr(obj, key, new)
    session.add(obj)
    session.flush()
    visible = {k: v for k, v in changed.items() if k not in DERIVED}
    audit(
        session,
        obj.__tablename__,
        obj.id,
        "update",
        {k: _jsonable(old) for k, (old, _new) in visible.items()},
        {k: _jsonable(new) for k, (_old, new) in visible.items()},
        reason=reason,
    )
    return visible


# ---- references ----------------------------------------------------------------------------


def id_fits(number: int, *, session: Session) -> bool:
    """Whether a number can be a row id here: a PostgreSQL INTEGER stops at 2**31 - 1 (asking it for a larger one is
    an error, not "no row"); SQLite's ids go to 2**63 - 1."""
    largest = 2**63 - 1 if session.get_bind().dialect.name == "sqlite" else validate.MAX_ID
    return 0 < number <= largest


def resolve(model: type[Child] | type[Helper], ref: str, *, session: Session) -> Any:
    """A row by numeric id, exact name, or (failing those) pinyin initials / full pinyin, under the name's own reading
    and then under its characters' other readings (name_variants). None found: the error names up to three close
    matches (``close_matches``)."""
    what, plural = ("child", "children") if model is Child else ("helper", "helpers")
    ref = str(ref).strip()
    if ref.isdigit() and ref.isascii() and len(ref) <= 19 and id_fits(int(ref), session=session):
        row = session.get(model, int(ref))
        if row is not None:
            return row
    matches = list(session.execute(select(model).where(model.name == ref).order_by(model.id)).scalars())
    if not matches and ref.isascii() and ref.replace(" ", "").isalpha():
        compact = ref.lower().replace(" ", "")
        for condition in (
            or_(model.name_initials == compact, func.replace(model.name_pinyin, " ", "") == compact),
            model.name_variants.contains(f" {compact} ", autoescape=True),
        ):
            matches = list(session.execute(select(model).where(condition).order_by(model.id)).scalars())
            if matches:
                break
    if not matches:
        shown = ref if len(ref) <= 40 else ref[:39] + "…"  # a message stays a line
        close = close_matches(model, ref, session=session)
        if close:
            found = i18n.t("list_sep").join(i18n.t("name_and_id", name=row.name, id=row.id) for row in close)
            raise LbcError(i18n.t("not_found_close", what=i18n.t(f"what_{what}"), ref=shown, matches=found))
        raise LbcError(i18n.t("not_found", what=i18n.t(f"what_{what}"), ref=shown))
    if len(matches) > 1:
        raise LbcError(
            i18n.t("ambiguous", ref=ref, what=i18n.t(f"what_{plural}")),
            details=[describe(m) for m in matches],
        )
    return matches[0]


MOST_CLOSE = 3  # close matches a reference that finds nothing names


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _one_apart_clause(column, text: str):
    """SQL condition: ``column`` is ``text`` with one character changed, added or left out (texts of two characters
    or more on both sides)."""
    if len(text) < 2 or len(text) > 40:
        return None
    patterns = [_like(text[:i]) + "_" + _like(text[i + 1 :]) for i in range(len(text))]
    patterns += [_like(text[:i]) + "_" + _like(text[i:]) for i in range(len(text) + 1)]
    clauses = [column.like(p, escape="\\") for p in patterns]
    if len(text) >= 3:
        clauses.append(column.in_(sorted({text[:i] + text[i + 1 :] for i in range(len(text))})))
    return and_(func.length(column).between(len(text) - 1, len(text) + 1), or_(*clauses))  # the length first: cheap


def one_apart(a: str, b: str) -> bool:
    """Two texts one character apart: one changed, added or left out (王晓红 / 王小红), each of two characters or
    more."""
    if a == b or min(len(a), len(b)) < 2 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def close_matches(model: type[Child] | type[Helper], ref: str, *, session: Session) -> list:
    """Up to three rows whose name is close to ``ref``, the closest first: the same pinyin, one character apart, the
    same initials (for a reference in letters: initials one letter apart). An id finds none."""
    from sqlalchemy import case, literal

    ref = ref.strip()
    if not ref or ref.isdigit():
        return []
    if ref.isascii():
        compact = ref.lower().replace(" ", "")
        near = _one_apart_clause(model.name_initials, compact) if compact.isalpha() else None
        if near is None:
            return []
        ranks = [(near, 1)]
    else:
        keys = pinyin.derived(ref)
        ranks = [(model.name_pinyin == keys["name_pinyin"], 0)]
        near = _one_apart_clause(model.name, ref)
        if near is not None:
            ranks.append((near, 1))
        if keys["name_initials"]:
            ranks.append((model.name_initials == keys["name_initials"], 2))
    query = (
        select(model)
        .where(or_(*(clause for clause, _rank in ranks)))
        .order_by(case(*ranks, else_=literal(3)), model.id)
        .limit(MOST_CLOSE)
    )
    return list(session.execute(query).scalars())


def village_known(village: str, *, session: Session, prefix: bool = False) -> bool:
    """Whether a child or a helper is recorded in this village (with ``prefix``, in a village whose name starts
    with it: a township's)."""
    if prefix:
        found = select(
            or_(
                exists().where(Child.village.startswith(village, autoescape=True)),
                exists().where(Helper.village.startswith(village, autoescape=True)),
            )
        )
        return bool(session.execute(found).scalar())
    found = select(or_(exists().where(Child.village == village), exists().where(Helper.village == village)))
    return bool(session.execute(found).scalar())


def villages(*, session: Session) -> list[str]:
    """Every village a child or a helper is recorded in, in order of their text."""
    query = (
        select(Child.village)
        .where(Child.village.is_not(None))
        .union(select(Helper.village).where(Helper.village.is_not(None)))
    )
    return sorted(v for (v,) in session.execute(query).all() if v)


def close_villages(village: str, *, session: Session) -> list[str]:
    """Up to three villages close to ``village``, the closest first: the same pinyin, one character apart, the same
    initials."""
    keys = pinyin.derived(village)

    def rank(other: str) -> int | None:
        if other == village:
            return None
        theirs = pinyin.derived(other)
        if theirs["name_pinyin"] == keys["name_pinyin"]:
            return 0
        if one_apart(other, village):
            return 1
        return 2 if theirs["name_initials"] == keys["name_initials"] else None

    ranked = sorted((r, other) for other in villages(session=session) if (r := rank(other)) is not None)
    return [other for _rank, other in ranked[:MOST_CLOSE]]


def village_hint(village: str | None, *, session: Session, prefix: bool = False, always: bool = False) -> str | None:
    """For a village filter that names no village of the register (with ``prefix``: no village starts with it): the
    message naming the close ones (None: the village is known, or nothing is close; with ``always`` and nothing
    close, the message that no such village is registered)."""
    village = (village or "").strip()
    if not village or village_known(village, session=session, prefix=prefix):
        return None
    close = close_villages(village, session=session)
    if not close:
        return i18n.t("village_not_found_prefix", ref=village) if always and prefix else None
    return i18n.t("village_not_found_close", ref=village, matches=i18n.t("list_sep").join(close))


def new_village_warnings(names, *, session: Session, known: set[str] | None = None) -> list[str]:
    """The first use of a village name: for each name of ``names`` no child or helper is recorded in yet (or, given,
    not in ``known``: the villages before an import), the existing villages one character away (neighbours such as
    东庄村 and 西庄村 are real: a warning, never a refusal), one warning a name."""
    candidates = sorted({n.strip() for n in names if n and n.strip()})
    if not candidates or (known is None and len(candidates) == 1 and village_known(candidates[0], session=session)):
        return []
    existing = sorted(known) if known is not None else villages(session=session)
    warnings = []
    for name in candidates:
        near = [other for other in existing if one_apart(other, name)] if name not in existing else []
        if near:
            warnings.append(i18n.t("village_new_near", village=name, matches=i18n.t("list_sep").join(near)))
    return warnings


def describe(row: Any) -> str:
    """id, name, village, birth date (a helper: role): enough to tell two namesakes apart. A helper not in post is
    marked so, for the user to pick the one in post (a lookup never picks it alone)."""
    name = row.name if isinstance(row, Child) or row.active else row.name + i18n.t("helper_inactive_mark")
    parts = [f"{row.id}", name, row.village or "-"]
    if isinstance(row, Child):
        parts.append(validate.birth_shown(row.birth_date.isoformat(), row.status))  # a purged child's year
    else:
        parts.append(i18n.label("role", row.role))
    return "  ".join(parts)


# ---- children ------------------------------------------------------------------------------


def _similar(a: str, b: str) -> bool:
    """Three or more characters, same length, at most one different (张小明 / 张晓明). Two-character
    names sharing a surname differ in one character all the time (钱七 / 钱八): only same pinyin counts there."""
    return len(a) == len(b) >= 3 and sum(x != y for x, y in zip(a, b, strict=True)) <= 1


def child_duplicates(values: dict[str, Any], *, session: Session, exclude_id: int | None = None) -> tuple[list, list]:
    """(the same child already registered, likely duplicates) for a record about to be written. A purged
    child is no one's duplicate: nothing of it is left to compare."""
    name, birth = values["name"], values["birth_date"]
    conditions = [and_(Child.name == name, Child.birth_date == birth)]
    if values.get("id_number"):
        conditions.append(Child.id_number == values["id_number"])
    query = select(Child).where(or_(*conditions), not_purged())
    if exclude_id is not None:
        query = query.where(Child.id != exclude_id)
    exact = list(session.execute(query).scalars())
    exact_ids = {c.id for c in exact}
    key, _initials = pinyin.name_keys(name)
    village = values.get("village")
    query = select(Child).where(
        Child.birth_date == birth, Child.village == village if village else Child.village.is_(None), not_purged()
    )
    likely = [
        c
        for c in session.execute(query).scalars()
        if c.id not in exact_ids and c.id != exclude_id and (c.name_pinyin == key or _similar(c.name, name))
    ]
    return exact, likely


def condition(sql: str, **params):
    """A condition of ``conditions`` (its SQL text) as a SQLAlchemy clause, its ``:name`` parameters bound to
    ``params`` (each made unique, so that two conditions of one query may take two dates)."""
    from sqlalchemy import Boolean, Date, String, bindparam, literal_column, text

    if not params:
        return literal_column(sql, Boolean)
    bound = [
        bindparam(name, value, type_=Date if isinstance(value, date) else String, unique=True)
        for name, value in params.items()
    ]
    return text(sql).bindparams(*bound)


def active_pairing(as_of: date, until: date | None = None):
    """SQL condition: a pairing in force on ``as_of``, or at any time from it to ``until``
    (conditions.pairing_in_force)."""
    if until is None:
        return condition(conditions.pairing_in_force(Pairing.__tablename__), as_of=as_of)
    in_force = conditions.pairing_in_force(Pairing.__tablename__, until="until")
    return condition(in_force, as_of=as_of, until=until)


def list_children(*, session: Session, columns: list[str] | None = None, **filters) -> list:
    """Children in pinyin order of names (``children_query``'s filters): whole records, or with ``columns``
    plain tuples of those (the roster of a county: 100,000 rows without an ORM object each)."""
    query = children_query(columns=columns, **filters)
    if columns is not None:
        return raw_rows(query, session=session)
    return list(session.execute(query).scalars())


def children_query(
    *,
    as_of: date,
    village: str | None = None,
    flags: list[str] | None = None,
    status: str | None = "active",
    unpaired: bool = False,
    priority: bool = False,
    columns: list[str] | None = None,
):
    """The SELECT of ``list_children``: its filters and its order, over whole records or ``columns``."""
    query = select(Child) if columns is None else select(*(Child.__table__.c[c] for c in columns))
    if status:
        query = query.where(Child.status == status)
    if village and village.strip():  # as typed: spaces around it aside, as a village is stored
        query = query.where(Child.village == village.strip())
    for flag in flags or []:
        query = query.where((";" + Child.flags + ";").contains(f";{flag};"))
    if priority:
        query = query.where(priority_clause())
    if unpaired:
        query = query.where(~exists().where(Pairing.child_id == Child.id, active_pairing(as_of)))
    return query.order_by(Child.name_pinyin, Child.name, Child.id)


def priority_clause():
    """SQL condition: a priority child (conditions.priority)."""
    return condition(conditions.priority(Child.__tablename__))


def incomplete_clause():
    """SQL condition: a child's record lacks a field the archive requires (any of ``missing_field_clauses``)."""
    return or_(*missing_field_clauses().values())


def missing_field_clauses() -> dict:
    """SQL conditions, one per field the archive requires, in rates.missing_fields' order: the record lacks it
    (empty: NULL, or '' in a text field; a parent's work place only when that parent is away).
    rates.missing_fields is the rule; this is the same rule built from its field lists, to pick a county's
    incomplete records, and what each lacks, without reading their fields."""
    from sqlalchemy import Date, true

    from lbc_cli.rules import rates

    def empty(column):
        return column.is_(None) if isinstance(column.type, Date) else or_(column.is_(None), column == "")

    columns = Child.__table__.c
    return {
        **{key: empty(columns[key]) for key in rates.REQUIRED},
        **{place: and_(columns[away] == true(), empty(columns[place])) for away, place in rates.AWAY_PLACES},
    }


def paired_children(children, *, session: Session, as_of: date) -> tuple[set[int], dict[int, list[str]]]:
    """(every child with a pairing in force on ``as_of``, ``active_helper_names`` of ``children`` only): the
    others' helpers are not named."""
    names, known, paired = _helpers_in_force(session=session, as_of=as_of)
    wanted = ((child_id, paired[child_id]) for child_id in set(children) if child_id in paired)
    named = {child_id: list(names(ids)) for child_id, ids in wanted}
    return {child_id for child_id, ids in paired.items() if not known.isdisjoint(ids)}, {
        child_id: found for child_id, found in named.items() if found
    }


def pairings_of(
    *, session: Session, child_id: int | None = None, helper_id: int | None = None, purged: bool = True
) -> list[tuple]:
    """(pairing, child, helper) rows, newest first; without ``purged``, none of a purged child."""
    query = (
        select(Pairing, Child, Helper)
        .join(Child, Child.id == Pairing.child_id)
        .join(Helper, Helper.id == Pairing.helper_id)
        .order_by(Pairing.start_date.desc(), Pairing.id.desc())
    )
    if child_id is not None:
        query = query.where(Pairing.child_id == child_id)
    if helper_id is not None:
        query = query.where(Pairing.helper_id == helper_id)
    if not purged:
        query = query.where(not_purged())
    return list(session.execute(query).all())


def duplicate_groups(*, session: Session) -> list[list[Child]]:
    """Groups of records that are probably one child: linked by the same id number, or by the same
    birth date and village with the same pinyin or a name one character apart (the rule enroll warns by);
    purged children left out. A link chains: if A matches B and B matches C, all three are one group."""
    query = select(Child).where(not_purged()).order_by(Child.birth_date, Child.id)
    children = list(session.execute(query).scalars())
    parent = {c.id: c.id for c in children}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def link(a: Child, b: Child) -> None:
        parent[root(a.id)] = root(b.id)

    by_id_number: dict[str, list[Child]] = {}
    by_birth: dict[tuple, list[Child]] = {}
    for child in children:
        if child.id_number:
            by_id_number.setdefault(child.id_number, []).append(child)
        by_birth.setdefault((child.birth_date, child.village), []).append(child)
    for group in by_id_number.values():
        for other in group[1:]:
            link(group[0], other)
    for bucket in by_birth.values():
        for i, first in enumerate(bucket):
            for other in bucket[i + 1 :]:
                if other.name_pinyin == first.name_pinyin or _similar(other.name, first.name):
                    link(first, other)
    groups: dict[int, list[Child]] = {}
    for child in children:
        groups.setdefault(root(child.id), []).append(child)
    found = [sorted(g, key=lambda c: c.id) for g in groups.values() if len(g) > 1]
    return sorted(found, key=lambda g: g[0].id)


# ---- helpers -------------------------------------------------------------------------------


def list_helpers(
    *, session: Session, role: str | None = None, village: str | None = None, include_inactive: bool = False
) -> list[Helper]:
    query = select(Helper)
    if role:
        query = query.where(Helper.role == role)
    if village and village.strip():
        query = query.where(Helper.village == village.strip())
    if not include_inactive:
        query = query.where(Helper.active.is_(True))
    return list(session.execute(query.order_by(Helper.name_pinyin, Helper.name, Helper.id)).scalars())


def helper_twins(
    name: str, phone: str | None, *, session: Session, exclude_id: int | None = None
) -> tuple[list[Helper], list[Helper]]:
    """(the helpers of the same name and the same phone, both given; those of the same name where one of the
    two phones is missing), in id order."""
    query = select(Helper).where(Helper.name == name).order_by(Helper.id)
    if exclude_id is not None:
        query = query.where(Helper.id != exclude_id)
    same = list(session.execute(query).scalars())
    twins = [h for h in same if phone and h.phone == phone]
    namesakes = [h for h in same if not (phone and h.phone)]
    return twins, namesakes


def paired_counts(*, session: Session, as_of: date) -> dict[int, int]:
    """helper id -> number of children paired with them on ``as_of``."""
    query = (
        select(Pairing.helper_id, func.count())
        .join(Child, Child.id == Pairing.child_id)
        .where(active_pairing(as_of), active_on(as_of))
        .group_by(Pairing.helper_id)
    )
    return dict(session.execute(query).all())


# ---- settings ------------------------------------------------------------------------------


def table_query(
    model: type[SQLModel],
    columns: list[str],
    *,
    equal: dict | None = None,
    start: date | None = None,
    end: date | None = None,
    status: str | None = None,
):
    """The SELECT of a table's rows (the given columns) in id order: ``equal`` keeps rows whose columns hold
    those values, ``start``/``end`` bound the table's ``date`` column, ``status`` keeps the children of that
    status and the rows naming them ("all": every child; None: every child but a purged one, SPEC section 10)."""
    table = model.__table__
    query = select(*(table.c[c] for c in columns)).order_by(table.c.id)
    for column, value in (equal or {}).items():
        query = query.where(table.c[column] == value)
    if status != "all" and (model is Child or "child_id" in table.c):
        if model is Child:
            query = query.where(not_purged() if status is None else Child.status == status)
        elif status is None:
            query = query.where(table.c.child_id.not_in(select(Child.id).where(Child.status == PURGED)))
        else:
            query = query.where(table.c.child_id.in_(select(Child.id).where(Child.status == status)))
    if start is not None:
        query = query.where(table.c.date >= start)
    if end is not None:
        query = query.where(table.c.date <= end)
    return query


def stream_rows(query, columns: list[str], *, session: Session) -> Iterator[dict]:
    """Every row of ``query`` (``table_query``) as dicts of its ``columns``, fetched in chunks."""
    result = session.execute(query, execution_options={"yield_per": 2000})
    try:
        for row in result:
            yield dict(zip(columns, row, strict=True))
    finally:  # a reader that stops early (a full disk) closes the server-side cursor with the session open
        result.close()


def stored_settings(*, session: Session) -> dict[str, str]:
    return dict(session.execute(select(Setting.key, Setting.value)).all())


def rule_values(*, session: Session) -> dict[str, int | float]:
    from lbc_cli import settings

    return settings.resolve(stored_settings(session=session))


def set_setting(key: str, value: str, *, session: Session) -> None:
    row = session.execute(select(Setting).where(Setting.key == key)).scalars().first()
    if row is None:
        insert_row(Setting, {"key": key, "value": value}, session=session)
    else:
        update_row(row, {"value": value}, session=session)


def count(model: type[SQLModel], *, session: Session) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


# ---- pairings and contacts -----------------------------------------------------------------


def overlapping_pairing(
    child_id: int,
    helper_id: int,
    start: date,
    *,
    session: Session,
    end: date | None = None,
    other_than: int | None = None,
) -> Pairing | None:
    """A pairing of this child and helper still in force on or after ``start`` (a new one would overlap it); with
    ``end``, only one that began before it; ``other_than``: a pairing's id left out (the one being corrected)."""
    query = select(Pairing).where(
        Pairing.child_id == child_id,
        Pairing.helper_id == helper_id,
        or_(Pairing.end_date.is_(None), Pairing.end_date > start),
    )
    if end is not None:
        query = query.where(Pairing.start_date < end)
    if other_than is not None:
        query = query.where(Pairing.id != other_than)
    return session.execute(query.order_by(Pairing.start_date.desc())).scalars().first()


def open_pairing(child_id: int, helper_id: int, *, session: Session) -> Pairing | None:
    """The pairing of this child and helper that has not ended, if any."""
    query = select(Pairing).where(
        Pairing.child_id == child_id, Pairing.helper_id == helper_id, Pairing.end_date.is_(None)
    )
    return session.execute(query).scalars().first()


def end_pairings(child_id: int, end: date, *, session: Session) -> int:
    """End every pairing of a child still in force (the child left the programme on ``end``)."""
    query = select(Pairing).where(Pairing.child_id == child_id, Pairing.end_date.is_(None))
    pairings = list(session.execute(query).scalars())
    for pairing in pairings:
        update_row(pairing, {"end_date": max(end, pairing.start_date)}, session=session)
    return len(pairings)


# ---- a child's time in the programme, a helper's days in post (programme.py's rules) -------------------------


def programme_times(child_ids, *, session: Session) -> dict:
    """child id -> its ``programme.Times``, of ``child_ids`` (None: every child)."""
    from lbc_cli import programme

    return programme.times_of(db.text_rows(session), child_ids)


def every_programme_time(*, session: Session):
    """Every child's ``programme.Times``, kept compact for a bulk check (``programme.EveryChildTimes``)."""
    from lbc_cli import programme

    return programme.EveryChildTimes(db.text_rows(session))


def contact_in_time_out(child_id: int, left: date, back: date | None, *, session: Session) -> tuple | None:
    """The child's first contact (id, date) inside a time out after ``left`` and before ``back`` (None: after
    ``left``), if any: an exit or a re-entry that would leave it outside the child's time is refused."""
    query = select(Contact.id, Contact.date).where(Contact.child_id == child_id, Contact.date > left)
    if back is not None:
        query = query.where(Contact.date < back)
    found = session.execute(query.order_by(Contact.date, Contact.id).limit(1)).first()
    return None if found is None else (found[0], as_date(found[1]))


def time_out_problem(
    child_id: int, birth: date | None, left: date, back: date | None, reason: str | None, age_limit: int, *, session
) -> tuple[str, str] | None:
    """(column, problem) of a time out from ``left`` to ``back`` (None: open) that the register contradicts, as
    `import exits` and `merge` refuse it: an aged-out exit before the child reaches ``age_limit``, a contact of
    the child stored inside it; None when it agrees. ``session``: a session or a Core connection."""
    if reason == "aged-out" and birth is not None:
        try:
            validate.check_aged_out(birth, left, age_limit=age_limit, child_id=child_id)
        except Invalid as exc:
            return ("exit_reason", exc.problem)
    inside = contact_in_time_out(child_id, left, back, session=session)
    if inside is not None:
        return ("exit_date", i18n.t("time_out_has_contact", id=child_id, contact=inside[0], date=inside[1]))
    return None


def pairing_begun_after(child_id: int, day: date, *, session: Session) -> Pairing | None:
    """The child's first pairing that began after ``day`` (an exit on ``day`` cannot end it), if any."""
    query = select(Pairing).where(Pairing.child_id == child_id, Pairing.start_date > day)
    return session.execute(query.order_by(Pairing.start_date, Pairing.id).limit(1)).scalars().first()


def refuse_purged(child: Child) -> None:
    """A purged child's record takes nothing more (no contact, exam, review or change): its personal data was
    erased for good, and a note or a change would put some back."""
    if child.status == PURGED:
        raise LbcError(i18n.t("purged_not_updated", id=child.id))


def check_contact_date(child_id: int, day: date, *, session: Session) -> None:
    """Refuse (exit 1) a contact of the child on ``day`` outside its time in the programme
    (``programme.contact_date_problem``, the one rule: log-contact, import, merge and contact edit ask it)."""
    from lbc_cli import programme

    times = programme_times([child_id], session=session).get(child_id)
    problem = times and programme.contact_date_problem(times, day)
    if problem:
        raise LbcError(problem)


def check_helper_in_post(helper: Helper, end: date | None = None, start: date | None = None) -> None:
    """Refuse (exit 1) a pairing with ``helper`` from ``start`` that would be in force on a day it is inactive
    (``programme.pairing_problem``): a new pairing, still in force, unless ``end`` is given."""
    from lbc_cli import programme

    problem = programme.pairing_problem(helper.id, helper.active, helper.inactive_on, end, start, helper.name)
    if problem:
        raise LbcError(problem)


def check_pairing_dates(child_id: int, start: date, end: date | None = None, *, session: Session) -> None:
    """Refuse (exit 1) a pairing of the child from ``start`` to ``end`` outside its time in the programme
    (``programme.pairing_dates_problem``: before its enrolment, in force in a time out or after its exit)."""
    from lbc_cli import programme

    times = programme_times([child_id], session=session).get(child_id)
    problem = times and programme.pairing_dates_problem(times, start, end)
    if problem:
        raise LbcError(problem)


def first_record_before(child_id: int, day: date, *, session: Session) -> tuple[str, int, date] | None:
    """The child's earliest contact, pairing start or exit dated before ``day`` (a later enrolment date would
    leave it outside the child's time in the programme): (``contact``/``pairing``/``exit``, its id, its date),
    the earliest by date (then contact, pairing, exit); None when there is none."""
    found = []
    for kind, model, column in (
        ("contact", Contact, Contact.date),
        ("pairing", Pairing, Pairing.start_date),
        ("exit", Exit, Exit.exit_date),
    ):
        query = (
            select(model.id, column).where(model.child_id == child_id, column < day).order_by(column, model.id).limit(1)
        )
        row = session.execute(query).first()
        if row is not None:
            found.append((as_date(row[1]), len(found), kind, row[0]))
    if not found:
        return None
    when, _order, kind, row_id = min(found)
    return kind, row_id, when


def open_exit(child_id: int, *, session: Session) -> Exit | None:
    """The child's time out it has not come back from (its latest), if any."""
    query = select(Exit).where(Exit.child_id == child_id, Exit.reentered_on.is_(None))
    return session.execute(query.order_by(Exit.exit_date.desc(), Exit.id.desc())).scalars().first()


def keep_open_exit(child: Child, *, session: Session) -> None:
    """Make the child's open time out agree with its record: an exited child's exit date and reason, a row
    added where it has none; no open row for a child in the programme (that exit undone)."""
    row = open_exit(child.id, session=session)
    if child.status == "active":
        if row is not None:
            delete_row(row, session=session)
        return
    if child.exit_date is None:
        return
    values = {"exit_date": child.exit_date, "exit_reason": child.exit_reason}
    if row is None:
        insert_row(Exit, {"child_id": child.id, **values}, session=session)
    else:
        update_row(row, values, session=session)


def reopen_pairings(child_id: int, left: date, *, session: Session) -> int:
    """Put back in force the child's pairings an exit on ``left`` ended (``end_pairings``: ended that day, or on
    their start day when they began later), unless the helper is inactive or paired with the child again since;
    the number put back."""
    query = (
        select(Pairing, Helper)
        .join(Helper, Helper.id == Pairing.helper_id)
        .where(Pairing.child_id == child_id, Pairing.end_date >= left)
        .order_by(Pairing.id)
    )
    reopened = 0
    for pairing, helper in session.execute(query).all():
        if pairing.end_date != max(left, pairing.start_date) or not helper.active or helper.inactive_on is not None:
            continue
        if not _ended_by_an_exit(pairing.id, session=session):  # (`pair end` that day, not the exit, ended it)
            continue
        if open_pairing(child_id, helper.id, session=session) is not None:
            continue
        update_row(pairing, {"end_date": None}, session=session)
        reopened += 1
    return reopened


def _ended_by_an_exit(pairing_id: int, *, session: Session) -> bool:
    """Whether the pairing's last change was its end set by `lbc child exit` (the audit log says which command)."""
    query = select(AuditEntry.command).where(AuditEntry.table_name == "pairings", AuditEntry.row_id == pairing_id)
    return session.execute(query.order_by(AuditEntry.id.desc()).limit(1)).scalar() == "lbc child exit"


def pairings_in_force(child_id: int, on: date, *, session: Session) -> list[Pairing]:
    """The child's pairings in force on ``on``."""
    query = select(Pairing).where(Pairing.child_id == child_id, active_pairing(on))
    return list(session.execute(query).scalars())


def helper_pairings_in_force(helper_id: int, on: date, *, session: Session) -> list[tuple[Pairing, Child]]:
    """The helper's pairings not ended by ``on`` (in force on it or later), with their children, by pinyin."""
    query = (
        select(Pairing, Child)
        .join(Child, Child.id == Pairing.child_id)
        .where(Pairing.helper_id == helper_id, or_(Pairing.end_date.is_(None), Pairing.end_date > on))
        .order_by(Child.name_pinyin, Child.id, Pairing.id)
    )
    return list(session.execute(query).all())


def helper_records(helper_id: int, *, session: Session) -> tuple[int, int]:
    """(pairings, contacts) that name the helper, whatever their dates: a helper named by none can be deleted."""
    pairings = session.execute(select(func.count()).where(Pairing.helper_id == helper_id)).scalar_one()
    contacts = session.execute(select(func.count()).where(Contact.helper_id == helper_id)).scalar_one()
    return pairings, contacts


def class_children(school: str, class_name: str, *, session: Session, grade: int | None = None) -> list[Child]:
    """Active children of one class (of one grade, if given), in pinyin order."""
    query = (
        select(Child)
        .where(Child.status == "active", Child.school == school, Child.class_name == class_name)
        .order_by(Child.name_pinyin, Child.id)
    )
    if grade is not None:
        query = query.where(Child.grade == grade)
    return list(session.execute(query).scalars())


def helper_children(helper_id: int, *, session: Session, as_of: date) -> list[Child]:
    """Active children paired with a helper on ``as_of``."""
    query = (
        select(Child)
        .join(Pairing, Pairing.child_id == Child.id)
        .where(Pairing.helper_id == helper_id, active_pairing(as_of), Child.status == "active")
        .order_by(Child.name_pinyin, Child.id)
    )
    return list(session.execute(query).scalars())


def list_pairings(
    *, session: Session, as_of: date, child_id: int | None = None, helper_id: int | None = None, ended: bool = False
) -> list[tuple]:
    """(pairing, child name, helper name, helper role) rows; only those in force on ``as_of`` unless ``ended``;
    a purged child's only when asked for by its id."""
    query = (
        select(Pairing, Child.name, Helper.name, Helper.role)
        .join(Child, Child.id == Pairing.child_id)
        .join(Helper, Helper.id == Pairing.helper_id)
        .order_by(Helper.name_pinyin, Child.name_pinyin, Pairing.start_date, Pairing.id)
    )
    if not ended:
        query = query.where(active_pairing(as_of))
    if child_id is not None:
        query = query.where(Pairing.child_id == child_id)
    else:
        query = query.where(not_purged())
    if helper_id is not None:
        query = query.where(Pairing.helper_id == helper_id)
    return list(session.execute(query).all())


def list_contacts(
    *,
    session: Session,
    child_id: int | None = None,
    helper_id: int | None = None,
    kind: str | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int | None = None,
) -> list[tuple]:
    """(contact, child name, helper name or None) rows, newest first; a purged child's only when asked for by
    its id."""
    query = (
        select(Contact, Child.name, Helper.name)
        .join(Child, Child.id == Contact.child_id)
        .outerjoin(Helper, Helper.id == Contact.helper_id)
        .order_by(Contact.date.desc(), Contact.id.desc())
    )
    if child_id is not None:
        query = query.where(Contact.child_id == child_id)
    else:
        query = query.where(not_purged())
    if helper_id is not None:
        query = query.where(Contact.helper_id == helper_id)
    if kind is not None:
        query = query.where(Contact.kind == kind)
    if start is not None:
        query = query.where(Contact.date >= start)
    if end is not None:
        query = query.where(Contact.date <= end)
    if limit is not None:
        query = query.limit(limit)
    return list(session.execute(query).all())


# ---- reminders -----------------------------------------------------------------------------


def active_on(as_of: date):
    """SQL condition: a child in the programme on ``as_of`` (conditions.in_programme)."""
    return condition(conditions.in_programme(Child.__tablename__), as_of=as_of)


def village_clause(village: str):
    """SQL condition: a village's children, or a township's (conditions.in_village)."""
    return condition(conditions.in_village(Child.__tablename__), **conditions.village_params(village))


def reminder_facts(*, session: Session, as_of: date, helper_id: int | None = None, village: str | None = None) -> list:
    """The reminder rules' facts of each child in the programme on ``as_of`` (reminder_facts.facts)."""
    from lbc_cli import reminder_facts

    dialect = session.get_bind().dialect.name
    return reminder_facts.facts(db.text_rows(session), dialect, as_of, helper_id=helper_id, village=village)


def is_priority(child_id: int, *, session: Session) -> bool:
    query = select(priority_clause()).where(Child.id == child_id)
    return bool(session.execute(query).scalar())


def active_helper_names(*, session: Session, as_of: date, village: str | None = None) -> dict[int, list[str]]:
    """child id -> names of the helpers paired with it on ``as_of`` (in ``conditions.HELPERS_IN_ORDER``'s
    order, as the reminder facts name them); only the children of ``village`` (or a township), when given.

    Two plain reads instead of a join sorted by pinyin (a county's 150,000 pairings): the helpers in order,
    then the pairings in force in table order."""
    names, _known, paired = _helpers_in_force(session=session, as_of=as_of, village=village)
    found = {child_id: list(names(ids)) for child_id, ids in paired.items()}
    return {child_id: helpers for child_id, helpers in found.items() if helpers}


def _helpers_in_force(*, session: Session, as_of: date, village: str | None = None) -> tuple:
    """(``conditions.helper_names``' names(ids), the helpers' ids, child id -> the ids of the helpers paired
    with it on ``as_of``) of every child, or of ``village``'s."""
    from sqlalchemy import text

    helpers = session.execute(text(conditions.HELPERS_IN_ORDER)).all()
    pairs = select(Pairing.child_id, Pairing.helper_id).where(active_pairing(as_of))
    if village:  # the village's children first, then their pairings by child_id
        pairs = pairs.where(Pairing.child_id.in_(select(Child.id).where(village_clause(village))))
    paired: dict[int, list[int]] = {}
    for batch in raw_batches(pairs, session=session):
        for child_id, helper_id in batch:
            paired.setdefault(child_id, []).append(helper_id)
    return conditions.helper_names(helpers), {helper_id for helper_id, _name in helpers}, paired


def active_helpers_joined(*, session: Session, as_of: date, village: str | None = None) -> dict[int, str]:
    """child id -> ``active_helper_names`` joined by ';' (a roster's helpers cell)."""
    names = active_helper_names(session=session, as_of=as_of, village=village)
    return {child_id: ";".join(found) for child_id, found in names.items()}


# ---- schedule ------------------------------------------------------------------------------


class ScheduleEntry(NamedTuple):
    id: int
    month: int
    text: str  # as shown: a seeded item's in the session's language (i18n.schedule_text)


def schedule_items(*, session: Session, months: list[int] | None = None) -> list[ScheduleEntry]:
    query = select(ScheduleItem.id, ScheduleItem.uid, ScheduleItem.month, ScheduleItem.text)
    query = query.order_by(ScheduleItem.month, ScheduleItem.position, ScheduleItem.id)
    if months is not None:
        query = query.where(ScheduleItem.month.in_(months))
    return [
        ScheduleEntry(item_id, month, i18n.schedule_text(uid, text))
        for item_id, uid, month, text in session.execute(query)
    ]


def delete_row(obj: SQLModel, *, session: Session, reason: str | None = None) -> None:
    """Delete a row; its values stay in the audit log (with ``reason``, why)."""
    old = _values(obj)
    session.delete(obj)
    session.flush()
    audit(session, obj.__tablename__, obj.id, "delete", old, None, reason=reason)


def seed_schedule(*, session: Session) -> int:
    """The year's schedule of a new database: the plan's monthly blocks.

    Seeded items are the same rows in every village's file, whatever language made it: fixed uids, and
    the plan's own (Chinese) text stored, shown in the session's language (``i18n.schedule_text``). So
    combining village files later recognises them as one."""
    n = 0
    for month, items in i18n.SCHEDULE.items():
        for position, (zh, _en) in enumerate(items, 1):
            uid = i18n.seeded_schedule_uid(month, position)
            # part of creating the database, like the schema: not a user's change, so not audited
            session.add(ScheduleItem(uid=uid, month=month, position=position, text=zh))
            n += 1
    return n


# ---- exams and the assessment --------------------------------------------------------------


def find_exam(child_id: int, school_year: int, term: int, *, session: Session) -> Exam | None:
    query = select(Exam).where(Exam.child_id == child_id, Exam.school_year == school_year, Exam.term == term)
    return session.execute(query).scalars().first()


def list_exams(*, session: Session, child_id: int | None = None, school_year: int | None = None) -> list[tuple]:
    """(exam, child name) rows by school year, term, then class rank; a purged child's only when asked for by
    its id."""
    query = select(Exam, Child.name).join(Child, Child.id == Exam.child_id)
    if child_id is not None:
        query = query.where(Exam.child_id == child_id)
    else:
        query = query.where(not_purged())
    if school_year is not None:
        query = query.where(Exam.school_year == school_year)
    query = query.order_by(Exam.school_year, Exam.term, Child.name_pinyin, Exam.id)
    return list(session.execute(query).all())


def assessment_facts(year: int, *, session: Session, as_of: date | None = None) -> list:
    """What the assessment of school year ``year`` needs, at county scale: the same ExamFacts in the same order
    as the plain reading of the rules in tests/test_scoring.py, with each child's three
    ranks looked up by the database on the (child, year, term) key instead of two years of exam rows
    carried into Python."""
    from operator import itemgetter

    from sqlalchemy.orm import aliased

    from lbc_cli.rules.scoring import ExamFacts

    # assessed: the children in the programme when term 2 ended (31 July of year + 1, SPEC section 5; as_of, if
    # earlier)
    term2_ended = date(year + 1, 7, 31)
    if as_of is not None and as_of < term2_ended:
        term2_ended = as_of
    term1, term2, last = aliased(Exam), aliased(Exam), aliased(Exam)

    def rank_in(exam, school_year: int, term: int):
        return and_(exam.child_id == Child.id, exam.school_year == school_year, exam.term == term)

    # an exam in the year: a term-1 or term-2 rank, else (looked for only then) a record of another term
    other_term = select(Exam.id).where(Exam.child_id == Child.id, Exam.school_year == year, Exam.term.not_in([1, 2]))
    in_year = or_(term1.id.is_not(None), term2.id.is_not(None), other_term.exists())
    query = (
        select(Child.name_pinyin, Child.id, Child.name, term1.class_rank, term2.class_rank, last.class_rank)
        .select_from(Child)
        .outerjoin(term1, rank_in(term1, year, 1))
        .outerjoin(term2, rank_in(term2, year, 2))
        .outerjoin(last, rank_in(last, year - 1, 2))
        .where(active_on(term2_ended), in_year)
        .order_by(Child.id)  # free on SQLite: its scan runs in id order
    )
    marks = select(Exam.child_id, Exam.serious_violation, Exam.merit_student).where(
        Exam.school_year == year, or_(Exam.serious_violation, Exam.merit_student)
    )
    violation, merit = set(), set()
    for child_id, violated, merit_student in raw_rows(marks, session=session):
        if violated:
            violation.add(child_id)
        if merit_student:
            merit.add(child_id)
    found = raw_rows(query, session=session)
    found.sort(key=itemgetter(0))  # stable: by name_pinyin, then id, the roster's order
    new = tuple.__new__
    return [
        new(ExamFacts, (child_id, name, rank1, rank2, last_rank2, child_id in violation, child_id in merit))
        for _key, child_id, name, rank1, rank2, last_rank2 in found
    ]


def year_helpers(year: int, *, session: Session) -> list[tuple]:
    """Every pairing in force at any time in school year ``year``, gathered by helper: (helper id, name, role,
    child ids) for every helper paired then, in the pinyin order of their names."""
    start, end = date(year, 9, 1), date(year + 1, 8, 31)
    pairs = select(Pairing.helper_id, Pairing.child_id).where(active_pairing(start, end))
    kids: dict[int, list[int]] = {}
    for helper_id, child_id in raw_rows(pairs, session=session):
        kids.setdefault(helper_id, []).append(child_id)
    helpers = raw_rows(select(Helper.name_pinyin, Helper.id, Helper.name, Helper.role), session=session)
    helpers.sort()  # by name_pinyin, then id
    return [(helper_id, name, role, kids[helper_id]) for _key, helper_id, name, role in helpers if helper_id in kids]


# ---- audit and purge -----------------------------------------------------------------------


def _names_child(entry, child_id: int):
    """SQL condition: an audit entry (``entry``: AuditEntry or an alias) of the child's own row, or whose values
    name it."""
    pattern_mid, pattern_end = f'%"child_id": {child_id},%', f'%"child_id": {child_id}}}%'
    return or_(
        and_(entry.table_name == "children", entry.row_id == child_id),
        entry.new_values.like(pattern_mid),
        entry.new_values.like(pattern_end),
        entry.old_values.like(pattern_mid),
        entry.old_values.like(pattern_end),
    )


def _mentions_child(child_id: int):
    """SQL condition: an audit entry about this child: one that names it (``_names_child``), or a correction of a
    row of its (a contact, exam or pairing whose entry when written or deleted names the child: the correction's
    own values hold only the fields changed)."""
    from sqlalchemy import tuple_
    from sqlalchemy.orm import aliased

    named = aliased(AuditEntry)
    rows_of_child = select(named.table_name, named.row_id).where(
        named.table_name.in_(("contacts", "pairings", "exams")), _names_child(named, child_id)
    )
    return or_(_names_child(AuditEntry, child_id), tuple_(AuditEntry.table_name, AuditEntry.row_id).in_(rows_of_child))


def audit_entries(
    *, session: Session, child_id: int | None = None, since: date | None = None, table: str | None = None
) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if child_id is not None:
        query = query.where(_mentions_child(child_id))
    if since is not None:
        query = query.where(AuditEntry.at >= datetime.combine(since, datetime.min.time(), UTC))
    if table is not None:
        query = query.where(AuditEntry.table_name == table)
    return list(session.execute(query).scalars())


# The status of a child whose personal data was erased (lbc child purge): out of lists, exports, the
# registration form and duplicate checks unless asked for (SPEC section 10); only its birth year is known.
PURGED = validate.PURGED


def any_purged(*, session: Session) -> bool:
    """Whether any child is purged (a seek on the status index)."""
    return session.execute(select(Child.id).where(Child.status == PURGED).limit(1)).first() is not None


def not_purged():
    """SQL condition: a child whose personal data is still held (not ``PURGED``)."""
    return Child.status != PURGED


# What a purge keeps of a child: the anonymous facts the counts are made of.
PURGE_KEEP = {"id", "uid", "gender", "village", "schooling", "health", "flags", "assistance", "guardian_relation",
              "guardian_rating", "father_away", "mother_away", "boarding", "status", "exit_reason", "exit_date",
              "enrolled_on", "reviewed_on", "grade"}  # fmt: skip


# The tables a purge changes: where the old values were (SQLite's VACUUM rewrites them all; PostgreSQL's, these).
PURGE_TABLES = ("children", "contacts", "pairings", "audit_log")


def purge_child(child: Child, today: date, *, session: Session) -> dict[str, int]:
    """Erase a child's personal data everywhere (PIPL §47), keeping anonymous counts: the record keeps
    its id, village, gender, schooling, flags and dates of care; the name, birth day, id number, phones,
    addresses, guardian, parents' work places and every free text go, in its contacts, pairings and in
    the audit log's old and new values too. Its status becomes ``PURGED``; an active child leaves the
    programme today (reason other) and its pairings end."""
    from sqlalchemy import update

    changes: dict[str, Any] = {}
    for column in Child.__table__.columns:
        name = column.name
        if name in PURGE_KEEP:
            continue
        if name == "name":
            changes[name] = f"#{child.id}"
        elif name == "birth_date":
            changes[name] = date(child.birth_date.year, 1, 1)  # the age band survives, the birthday does not
        elif name in DERIVED:
            changes[name] = ""
        elif not column.nullable:
            continue
        else:
            changes[name] = None
    if child.status == "active":  # it leaves the programme today: its time in it stays in the counts
        changes.update(exit_reason="other", exit_date=max(today, child.enrolled_on))
    changes["status"] = PURGED
    for key, value in changes.items():
        setattr(child, key, value)
    session.add(child)
    if "exit_date" in changes:
        end_pairings(child.id, changes["exit_date"], session=session)
    contacts = session.execute(update(Contact).where(Contact.child_id == child.id).values(note=None)).rowcount
    pairings = session.execute(update(Pairing).where(Pairing.child_id == child.id).values(note=None)).rowcount
    about = list(session.execute(select(AuditEntry.id).where(_mentions_child(child.id))).scalars())  # before any goes
    scrubbed = 0
    for start in range(0, len(about), 500):
        chunk = about[start : start + 500]
        scrubbed += session.execute(
            update(AuditEntry).where(AuditEntry.id.in_(chunk)).values(old_values=None, new_values=None, reason=None)
        ).rowcount
    session.flush()
    if "exit_date" in changes:  # its time out begins (after the scrub: nothing personal in it)
        keep_open_exit(child, session=session)
    audit(session, "children", child.id, "purge", None, None)
    return {"contacts": contacts, "pairings": pairings, "audit": scrubbed}
