"""Data access: every query and every write, each taking the session as a keyword argument.

Writes go through ``insert_row`` and ``update_row`` so that each change lands in the audit log with
its old and new values, and derived columns (pinyin) stay current.
"""

import getpass
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlmodel import Session, SQLModel

from lbc_cli import context, i18n, pinyin
from lbc_cli.errors import LbcError
from lbc_cli.models import DERIVED, AuditEntry, Child, Helper, Pairing, Setting


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers, cron without USER)
        return "unknown"


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _values(obj: SQLModel, names: list[str] | None = None) -> dict[str, Any]:
    cols = names or [c.name for c in obj.__table__.columns if c.name not in DERIVED]
    return {name: _jsonable(getattr(obj, name)) for name in cols}


def audit(session: Session, table: str, row_id: int | None, action: str, old: dict | None, new: dict | None) -> None:
    session.add(
        AuditEntry(
            os_user=os_user(),
            command=context.command,
            table_name=table,
            row_id=row_id,
            action=action,
            old_values=json.dumps(old, ensure_ascii=False, sort_keys=True) if old else None,
            new_values=json.dumps(new, ensure_ascii=False, sort_keys=True) if new else None,
        )
    )


def _derive(model: type[SQLModel], values: dict[str, Any]) -> None:
    if "name" in values and "name_pinyin" in model.__table__.columns:
        values["name_pinyin"], values["name_initials"] = pinyin.name_keys(values["name"])


def insert_row(model: type[SQLModel], values: dict[str, Any], *, session: Session) -> SQLModel:
    values = dict(values)
    _derive(model, values)
    obj = model(**values)
    session.add(obj)
    session.flush()
    audit(session, model.__tablename__, obj.id, "insert", None, _values(obj))
    return obj


def update_row(obj: SQLModel, changes: dict[str, Any], *, session: Session) -> dict[str, tuple[Any, Any]]:
    """Apply the changes that differ; returns {field: (old, new)} of what changed."""
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
    )
    return visible


# ---- references ----------------------------------------------------------------------------


def resolve(model: type[Child] | type[Helper], ref: str, *, session: Session) -> Any:
    """A row by numeric id, exact name, or (failing those) pinyin initials / full pinyin."""
    what, plural = ("child", "children") if model is Child else ("helper", "helpers")
    ref = str(ref).strip()
    if ref.isdigit():
        row = session.get(model, int(ref))
        if row is not None:
            return row
    matches = list(session.execute(select(model).where(model.name == ref).order_by(model.id)).scalars())
    if not matches and ref.isascii() and ref.replace(" ", "").isalpha():
        key = ref.lower()
        compact = key.replace(" ", "")
        matches = list(
            session.execute(
                select(model)
                .where(or_(model.name_initials == compact, func.replace(model.name_pinyin, " ", "") == compact))
                .order_by(model.id)
            ).scalars()
        )
    if not matches:
        raise LbcError(i18n.t("not_found", what=i18n.t(f"what_{what}"), ref=ref))
    if len(matches) > 1:
        raise LbcError(
            i18n.t("ambiguous", ref=ref, what=i18n.t(f"what_{plural}")),
            details=[describe(m) for m in matches],
        )
    return matches[0]


def describe(row: Any) -> str:
    """id, name, village, birth date: enough to tell two namesakes apart."""
    parts = [f"{row.id}", row.name, row.village or "-"]
    if isinstance(row, Child):
        parts.append(row.birth_date.isoformat())
    else:
        parts.append(i18n.label("role", row.role))
    return "  ".join(parts)


# ---- children ------------------------------------------------------------------------------


def _similar(a: str, b: str) -> bool:
    """Three or more characters, same length, at most one different (张小明 / 张晓明). Two-character
    names sharing a surname differ in one character all the time (钱七 / 钱八): only same pinyin counts there."""
    return len(a) == len(b) >= 3 and sum(x != y for x, y in zip(a, b, strict=True)) <= 1


def child_duplicates(values: dict[str, Any], *, session: Session, exclude_id: int | None = None) -> tuple[list, list]:
    """(the same child already registered, likely duplicates) for a record about to be written."""
    name, birth = values["name"], values["birth_date"]
    conditions = [and_(Child.name == name, Child.birth_date == birth)]
    if values.get("id_number"):
        conditions.append(Child.id_number == values["id_number"])
    query = select(Child).where(or_(*conditions))
    if exclude_id is not None:
        query = query.where(Child.id != exclude_id)
    exact = list(session.execute(query).scalars())
    exact_ids = {c.id for c in exact}
    key, _initials = pinyin.name_keys(name)
    village = values.get("village")
    query = select(Child).where(
        Child.birth_date == birth, Child.village == village if village else Child.village.is_(None)
    )
    likely = [
        c
        for c in session.execute(query).scalars()
        if c.id not in exact_ids and c.id != exclude_id and (c.name_pinyin == key or _similar(c.name, name))
    ]
    return exact, likely


def active_pairing(as_of: date):
    """SQL condition: a pairing in force on ``as_of`` (started, and not ended on or before it)."""
    return and_(Pairing.start_date <= as_of, or_(Pairing.end_date.is_(None), Pairing.end_date > as_of))


def list_children(
    *,
    session: Session,
    as_of: date,
    village: str | None = None,
    flags: list[str] | None = None,
    status: str | None = "active",
    unpaired: bool = False,
    priority: bool = False,
) -> list[Child]:
    query = select(Child)
    if status:
        query = query.where(Child.status == status)
    if village:
        query = query.where(Child.village == village)
    for flag in flags or []:
        query = query.where((";" + Child.flags + ";").contains(f";{flag};"))
    if priority:
        query = query.where(priority_clause())
    if unpaired:
        query = query.where(~exists().where(Pairing.child_id == Child.id, active_pairing(as_of)))
    query = query.order_by(Child.name_pinyin, Child.name, Child.id)
    return list(session.execute(query).scalars())


def priority_clause():
    """SPEC section 4: flagged problem, hardship or lives-alone, or guardian rated poor."""
    padded = ";" + Child.flags + ";"
    return or_(
        padded.contains(";problem;"),
        padded.contains(";hardship;"),
        padded.contains(";lives-alone;"),
        Child.guardian_rating == "poor",
    )


def active_helpers(child_ids: list[int] | None, *, session: Session, as_of: date) -> dict[int, list[Helper]]:
    """child id -> helpers paired with it on ``as_of``."""
    query = (
        select(Pairing.child_id, Helper)
        .join(Helper, Helper.id == Pairing.helper_id)
        .where(active_pairing(as_of))
        .order_by(Helper.name_pinyin, Helper.id)
    )
    if child_ids is not None:
        query = query.where(Pairing.child_id.in_(child_ids))
    result: dict[int, list[Helper]] = {}
    for child_id, helper in session.execute(query):
        result.setdefault(child_id, []).append(helper)
    return result


def pairings_of(*, session: Session, child_id: int | None = None, helper_id: int | None = None) -> list[tuple]:
    """(pairing, child, helper) rows, newest first."""
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
    return list(session.execute(query).all())


def duplicate_groups(*, session: Session) -> list[list[Child]]:
    """Groups of records that are probably one child: linked by the same id number, or by the same
    birth date and village with the same pinyin or a name one character apart (the rule enroll warns by).
    A link chains: if A matches B and B matches C, all three are one group."""
    children = list(session.execute(select(Child).order_by(Child.birth_date, Child.id)).scalars())
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
    if village:
        query = query.where(Helper.village == village)
    if not include_inactive:
        query = query.where(Helper.active.is_(True))
    return list(session.execute(query.order_by(Helper.name_pinyin, Helper.name, Helper.id)).scalars())


def paired_counts(*, session: Session, as_of: date) -> dict[int, int]:
    """helper id -> number of children paired with them on ``as_of``."""
    query = select(Pairing.helper_id, func.count()).where(active_pairing(as_of)).group_by(Pairing.helper_id)
    return dict(session.execute(query).all())


# ---- settings ------------------------------------------------------------------------------


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
