"""audit: who changed what and when, old -> new; a child's history (guardian changes included)."""

import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from lbc_cli import i18n
from lbc_cli.cli.options import BomOpt, ListFormatOpt, RevealOpt, check_format, database, opt_date

_ = i18n.bi

AUDIT_COLUMNS = ["id", "at", "os_user", "command", "table", "row_id", "action", "changes", "reason"]


def _changes(old: str | None, new: str | None, reveal: bool, *, for_people: bool = False) -> str:
    """'guardian_name: 张奶奶 → 李爷爷; guardian_phone: 138****0001 → 139****0002' (codes, for csv and json);
    for people (table, md) fields and values by their labels in the session's language (监护关系：祖父母 → 父母一方)."""
    from lbc_cli import io

    before, after = json.loads(old or "{}"), json.loads(new or "{}")
    keys = (
        [k for k in after if k in before]
        + [k for k in after if k not in before]
        + [k for k in before if k not in after]
    )
    hide = io.masker(keys, reveal)
    before, after = hide(dict(before)), hide(dict(after))
    name, shown, colon, sep = (lambda k: k), (lambda k, v: v), ": ", "; "
    if for_people:
        from lbc_cli import render

        name, shown = _key_label, lambda k, v: render.display(v, k, _VALUE_ENUMS)
        colon, sep = ("：", "；") if i18n.lang() == "zh" else (": ", "; ")
    parts = []
    for key in keys:
        if key in before and key in after:
            parts.append(f"{name(key)}{colon}{shown(key, before[key])} → {shown(key, after[key])}")
        elif key in after:
            if after[key] not in (None, ""):  # a new row: only the fields it holds
                parts.append(f"{name(key)}{colon}{shown(key, after[key])}")
        else:
            parts.append(f"{name(key)}{colon}{shown(key, before[key])} → ")
    return sep.join(parts)


_VALUE_ENUMS = i18n.VALUE_ENUMS  # the enum of each field whose values are slugs


def _key_label(key: str) -> str:
    """An entry's key by its label: a field's, else the log's own (rows, file...), else as stored."""
    label = i18n.field(key)
    if label != key:
        return label
    pair = i18n.AUDIT_KEYS.get(key)
    return key if pair is None else pair[0 if i18n.lang() == "zh" else 1]


def _action_label(action: str) -> str:
    pair = i18n.AUDIT_ACTIONS.get(action)
    return action if pair is None else pair[0 if i18n.lang() == "zh" else 1]


def _local_time(at: datetime) -> str:
    """A UTC time as the machine's local time with its zone: '2026-12-06 16:10:03 +08:00' (TZ decides)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    local = at.astimezone()
    offset = local.strftime("%z")
    return local.strftime("%Y-%m-%d %H:%M:%S ") + f"{offset[:3]}:{offset[3:]}"


def audit(
    child: Annotated[
        str | None, typer.Option(help=_("只看该儿童的记录", "only this child's history"), metavar="CHILD")
    ] = None,
    since: Annotated[str | None, typer.Option(help=_("从该日期起", "from this date"), metavar="DATE")] = None,
    table: Annotated[str | None, typer.Option(help=_("只看该表", "only this table"), metavar="TABLE")] = None,
    reveal: RevealOpt = False,
    fmt: ListFormatOpt = "table",
    bom: BomOpt = False,
) -> None:
    from lbc_cli import output, register

    fmt = check_format(fmt, output.LIST, bom=bom)
    start = opt_date(since, "--since")
    entries = register.audit_entries(database(), child=child, since=start, table=table)
    if fmt not in ("table", "md"):  # data: codes and ISO times in UTC, as stored
        rows = [
            {
                "id": e.id,
                "at": e.at.isoformat(),
                "os_user": e.os_user,
                "command": e.command,
                "table": e.table_name,
                "row_id": e.row_id,
                "action": e.action,
                "changes": _changes(e.old_values, e.new_values, reveal),
                "reason": e.reason,
            }
            for e in entries
        ]
        output.write(output.Table(AUDIT_COLUMNS, rows), fmt, bom=bom)
        return
    # for people: labels in the session's language, local times with their zone
    rows = [
        {
            "id": e.id,
            "at": _local_time(e.at),
            "os_user": e.os_user,
            "command": e.command,
            "table": i18n.label("table", e.table_name),
            "row_id": e.row_id,
            "action": _action_label(e.action),
            "changes": _changes(e.old_values, e.new_values, reveal, for_people=True),
            "reason": e.reason,
        }
        for e in entries
    ]
    output.write(output.Table(AUDIT_COLUMNS, rows, headers={"at": i18n.t("audit_at")}), fmt, bom=bom)
