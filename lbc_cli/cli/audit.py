"""audit: who changed what and when, old -> new; a child's history (guardian changes included)."""

import json
from typing import Annotated

import typer

from lbc_cli import i18n
from lbc_cli.cli.options import BomOpt, ListFormatOpt, RevealOpt, check_format, database, opt_date

_ = i18n.bi

AUDIT_COLUMNS = ["id", "at", "os_user", "command", "table", "row_id", "action", "changes", "reason"]


def _changes(old: str | None, new: str | None, reveal: bool) -> str:
    """'guardian_name: 张奶奶 → 李爷爷; guardian_phone: 138****0001 → 139****0002'."""
    from lbc_cli import io

    before, after = json.loads(old or "{}"), json.loads(new or "{}")
    keys = (
        [k for k in after if k in before]
        + [k for k in after if k not in before]
        + [k for k in before if k not in after]
    )
    hide = io.masker(keys, reveal)
    before, after = hide(dict(before)), hide(dict(after))
    parts = []
    for key in keys:
        if key in before and key in after:
            parts.append(f"{key}: {before[key]} → {after[key]}")
        elif key in after:
            if after[key] not in (None, ""):  # a new row: only the fields it holds
                parts.append(f"{key}: {after[key]}")
        else:
            parts.append(f"{key}: {before[key]} → ")
    return "; ".join(parts)


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
