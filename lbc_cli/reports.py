"""The documents a village hands in: one context builder per report, one renderer for all formats.

Every figure is computed here (or in rules/), never in a template: `--format json` prints exactly the
context the Markdown template receives, and `--format html` is that Markdown made into a page.
"""

import json
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select

from lbc_cli import i18n, io, settings, store, validate
from lbc_cli.errors import ExitCode, LbcError
from lbc_cli.models import AuditEntry, Child, Contact, Helper, Pairing
from lbc_cli.rules import rates, reminders, scoring

REPORTS = ("plan", "summary", "child", "month")
PACKAGED = Path(__file__).resolve().parent / "templates"
if not PACKAGED.exists():  # running from a source checkout: the templates folder sits beside the package
    PACKAGED = Path(__file__).resolve().parent.parent / "templates"
AGE_BANDS = ((0, 5), (6, 11), (12, 14), (15, 17))


# ---- shared pieces -------------------------------------------------------------------------


_DATES = ("birth_date", "enrolled_on", "care_agreement_on", "exit_date", "reviewed_on", "consent_on")


def _children(session, as_of: date, columns: list[str] | None = None) -> list[dict]:
    """Every child in the programme on ``as_of``, as a plain record (all columns, or just
    ``columns``, and ``priority`` from the one definition of a priority child, store.priority_clause)."""
    columns = columns or [c.name for c in Child.__table__.columns]
    query = select(*(Child.__table__.c[c] for c in columns), store.priority_clause().label("priority"))
    query = query.where(store.active_on(as_of))
    keys = [*columns, "priority"]
    dates = [key for key in _DATES if key in columns]
    records = []
    for row in store.raw_rows(query.order_by(Child.name_pinyin, Child.id), session=session):
        record = dict(zip(keys, row, strict=True))
        record["priority"] = bool(record["priority"])
        for key in dates:
            record[key] = store.as_date(record[key])
        records.append(record)
    return records


def _counts(values) -> list[dict]:
    """[{key, count}] by count then key: for tables and charts."""
    counter = Counter(values)
    return [{"key": key, "count": n} for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))]


# What the plan and the summary read of each child: a county's 100,000 records, so only these.
FIGURE_COLUMNS = sorted(
    {"id", "name", "gender", "birth_date", "village", "schooling", "flags", "assistance", "guardian_rating"}
    | {"enrolled_on", "father_away", "mother_away", "father_work_place", "mother_work_place"}
    | set(rates.REQUIRED)
)


def _figures(session, as_of: date) -> dict:
    """The current figures the plan and the summary both quote."""
    records = _children(session, as_of, FIGURE_COLUMNS)
    helpers = session.execute(select(func.count()).select_from(Helper).where(Helper.active.is_(True))).scalar_one()
    pairings = session.execute(
        select(func.count()).select_from(Pairing).where(store.active_pairing(as_of))
    ).scalar_one()
    villages = sorted({r["village"] for r in records if r["village"]})
    return {
        "children_active": len(records),
        "children_priority": sum(1 for r in records if r["priority"]),
        "helpers_active": helpers,
        "pairings_active": pairings,
        "villages": villages,
        "_records": records,
    }


# ---- the work plan -------------------------------------------------------------------------


def _targets(rules: dict) -> dict:
    """The plan's targets as fractions 0..1, like the rates they are measured against."""
    return {
        "archive_rate": rules["target_archive_rate"] / 100,
        "in_school_rate": rules["target_in_school_rate"] / 100,
        "retention_rate": rules["target_retention_rate"] / 100,
    }


def plan_context(session, *, year: int, as_of: date) -> dict:
    rules = store.rule_values(session=session)
    figures = _figures(session, as_of)
    figures.pop("_records")
    schedule = defaultdict(list)
    for item in store.schedule_items(session=session):
        schedule[item.month].append(item.text)
    return {
        "report": "plan",
        "year": year,
        "as_of": as_of.isoformat(),
        **figures,
        "targets": _targets(rules),
        "rules": {key: settings.show(value) for key, value in rules.items()},
        "schedule": [{"month": month, "items": items} for month, items in sorted(schedule.items())],
    }


# ---- the work summary ----------------------------------------------------------------------


def _schooling_history(session, start: date, end: date, records: list[dict]) -> tuple[dict, set]:
    """(schooling of each child when the period began, the children who dropped out during it),
    read back from the audit log: an update's old value is what held before it."""
    query = select(AuditEntry.row_id, AuditEntry.at, AuditEntry.old_values, AuditEntry.new_values).where(
        AuditEntry.table_name == "children",
        AuditEntry.action == "update",
        AuditEntry.new_values.contains('"schooling"'),
    )
    first_after: dict[int, str | None] = {}
    dropped: set[int] = set()
    begin = datetime.combine(start, time.min, UTC)
    finish = datetime.combine(end + timedelta(days=1), time.min, UTC)
    for row_id, at, old, new in sorted(session.execute(query).all(), key=lambda r: r[1]):
        old_value, new_value = json.loads(old or "{}").get("schooling"), json.loads(new or "{}").get("schooling")
        if at >= begin and row_id not in first_after:
            first_after[row_id] = old_value
        if begin <= at < finish and new_value == "dropout":
            dropped.add(row_id)
    at_start = {}
    for record in records:
        if record["enrolled_on"] <= start:
            at_start[record["id"]] = first_after.get(record["id"], record["schooling"])
    return at_start, dropped


def summary_context(session, *, start: date, end: date, as_of: date, year: int | None) -> dict:
    rules = store.rule_values(session=session)
    reference = min(end, as_of)
    figures = _figures(session, reference)
    records = figures.pop("_records")
    ages = {r["id"]: validate.age_on(r["birth_date"], reference) for r in records}
    helper_names = store.active_helper_names(session=session, as_of=reference)
    paired_ids = set(helper_names)
    # the retention base: children in the programme when the period began, as they were then
    started = _children(session, start, ["id", "enrolled_on", "schooling"]) if start <= reference else []
    at_start, dropped = _schooling_history(session, start, reference, started)
    missing = {r["id"]: rates.missing_fields(r) for r in records}
    result = rates.compute(records, ages, paired_ids, at_start, dropped, missing)

    # contacts that reached someone, by kind and by month; attempts apart
    grouped = select(Contact.date, Contact.kind, Contact.no_answer, func.count()).where(
        Contact.date >= start, Contact.date <= reference
    )
    by_kind: Counter = Counter()
    by_month: dict[str, Counter] = defaultdict(Counter)
    attempts = 0
    for day, kind, no_answer, n in store.raw_rows(
        grouped.group_by(Contact.date, Contact.kind, Contact.no_answer), session=session
    ):
        if no_answer:
            attempts += n
            continue
        by_kind[kind] += n
        by_month[str(day)[:7]][kind] += n
    months = [f"{y:04d}-{m:02d}" for y, m in reminders.months_between(start, reference)]

    # weekly parent contact: whole weeks each child was in the programme, and the weeks with a call
    interval = int(rules["video_call_days"])
    windows, began = [], {}
    for r in records:
        first = max(start, r["enrolled_on"])
        began[r["id"]] = first
        windows.append((r["id"], max((reference - first).days + 1, 0) // interval))
    calls = select(Contact.child_id, Contact.date).where(
        Contact.kind.in_(store.PARENT_CALL_KINDS),
        Contact.with_whom == "parent",
        Contact.no_answer.is_(False),
        Contact.date >= start,
        Contact.date <= reference,
    )
    weeks: dict[int, set[int]] = defaultdict(set)
    for child_id, day in store.raw_rows(calls, session=session):
        if child_id in began:
            offset = (store.as_date(day) - began[child_id]).days
            if offset >= 0:
                weeks[child_id].add(offset // interval)
    compliance = rates.weekly_compliance(windows, weeks)

    aid = select(func.count(), func.count(func.distinct(Contact.child_id))).where(
        Contact.kind == "aid", Contact.no_answer.is_(False), Contact.date >= start, Contact.date <= reference
    )
    aid_contacts, aid_children = session.execute(aid).one()

    # the last school year whose term 2 (ending in July) was over by the reference date
    assessed_year = reference.year - 1 if reference.month >= 8 else reference.year - 2
    scores = scoring.assess(
        store.exam_facts(assessed_year, session=session, as_of=reference),
        store.year_pairings(assessed_year, session=session),
        rules,
    )
    priority = [
        {
            "id": r["id"],
            "name": r["name"],
            "village": r["village"],
            "age": ages[r["id"]],
            "flags": r["flags"],
            "guardian_rating": r["guardian_rating"],
            "helpers": helper_names.get(r["id"], []),
        }
        for r in records
        if r["priority"]
    ]
    incomplete = [{"id": r["id"], "name": r["name"], "missing": missing[r["id"]]} for r in records]
    return {
        "report": "summary",
        "year": year,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "as_of": reference.isoformat(),
        **figures,
        "paired_rate": result.paired_rate,
        "archive_complete_rate": result.archive_complete_rate,
        "in_school_rate": result.in_school_rate,
        "retention_rate": result.retention_rate,
        "counts": {
            "archive_complete": result.archive_complete,
            "school_age": result.school_age,
            "in_school": result.in_school,
            "in_school_at_start": result.in_school_at_start,
            "retained": result.retained,
            "paired": result.paired,
        },
        "targets": _targets(rules),
        "by_village": _counts(r["village"] or "" for r in records),
        "by_gender": _counts(r["gender"] for r in records),
        "by_flag": _counts(f for r in records for f in (r["flags"] or "").split(";") if f),
        "by_schooling": _counts(r["schooling"] or "" for r in records),
        "by_guardian": _counts(r["guardian_relation"] or "" for r in records),
        "by_age": [
            {"band": f"{low}-{high}", "count": sum(1 for r in records if low <= ages[r["id"]] <= high)}
            for low, high in AGE_BANDS
        ],
        "by_assistance": _counts(a for r in records for a in (r["assistance"] or "").split(";") if a),
        "incomplete_records": [c for c in incomplete if c["missing"]],
        "contacts_by_kind": {kind: by_kind[kind] for kind in i18n.ENUMS["kind"] if by_kind[kind]},
        "contacts_total": sum(by_kind.values()),
        "contacts_by_month": [{"month": m, "total": sum(by_month[m].values()), **by_month[m]} for m in months],
        "contact_attempts": attempts,
        "weekly_contact_rate": compliance,
        "video_call_days": interval,
        "aid_contacts": aid_contacts,
        "aid_children": aid_children,
        "assessment_year": assessed_year,
        "assessment": {
            "children": [c._asdict() for c in scores[0]],
            "helpers": [{**h._asdict(), "score": io.cell(h.score), "yuan": io.cell(h.yuan)} for h in scores[1]],
            "awards": [{**a._asdict(), "yuan": io.cell(a.yuan)} for a in scores[2]],
            "helper_yuan": io.cell(sum((h.yuan for h in scores[1]), scoring.money(0))),
            "award_yuan": io.cell(sum((a.yuan for a in scores[2]), scoring.money(0))),
        },
        "priority_children": priority,
    }


# ---- one child's card, one month -----------------------------------------------------------


def child_context(session, *, child, as_of: date, reveal: bool) -> dict:
    columns = [c.name for c in Child.__table__.columns if c.name not in ("name_pinyin", "name_initials")]
    record = io.masker(columns, reveal)({c: getattr(child, c) for c in columns})
    record = {k: io.cell(v) for k, v in record.items()}
    pairings = [
        {
            "helper": helper.name,
            "role": helper.role,
            "phone": (helper.phone if reveal else validate.mask(helper.phone)),
            "start_date": pairing.start_date.isoformat(),
            "end_date": pairing.end_date.isoformat() if pairing.end_date else None,
        }
        for pairing, _child, helper in store.pairings_of(session=session, child_id=child.id)
    ]
    contacts = [
        {
            "date": c.date.isoformat(),
            "kind": c.kind,
            "with_whom": c.with_whom,
            "helper": helper_name,
            "minutes": c.minutes,
            "no_answer": bool(c.no_answer),
            "note": c.note,
        }
        for c, _name, helper_name in store.list_contacts(session=session, child_id=child.id)
    ]
    return {
        "report": "child",
        "as_of": as_of.isoformat(),
        "child": record,
        "age": validate.age_on(child.birth_date, as_of),
        "priority": store.is_priority(child.id, session=session),
        "missing": rates.missing_fields({**record, "father_away": child.father_away, "mother_away": child.mother_away}),
        "pairings": pairings,
        "contacts": contacts,
    }


def month_context(session, *, year: int, month: int, as_of: date) -> dict:
    start = date(year, month, 1)
    end = reminders.month_end(year, month)
    rows = store.list_contacts(session=session, start=start, end=end)
    by_helper: dict[str, Counter] = defaultdict(Counter)
    attempts = 0
    for contact, _child_name, helper_name in rows:
        if contact.no_answer:
            attempts += 1
            continue
        by_helper[helper_name or ""][contact.kind] += 1
    children_reached = len({c.child_id for c, _n, _h in rows if not c.no_answer})
    # what falls due next month: every reminder due by the end of next month, as of this month's end
    next_start = end + timedelta(days=1)
    next_end = reminders.month_end(next_start.year, next_start.month)
    rules = store.rule_values(session=session)
    facts = store.reminder_facts(session=session, as_of=end)
    due = reminders.due_reminders(facts, rules, end, (next_end - end).days)
    plan = [i.text for i in store.schedule_items(session=session, months=[month])]
    next_plan = [i.text for i in store.schedule_items(session=session, months=[next_start.month])]
    return {
        "report": "month",
        "month": f"{year:04d}-{month:02d}",
        "next_month": f"{next_start.year:04d}-{next_start.month:02d}",
        "as_of": as_of.isoformat(),
        "contacts_total": sum(sum(c.values()) for c in by_helper.values()),
        "contact_attempts": attempts,
        "children_reached": children_reached,
        "contacts_by_kind": dict(sum(by_helper.values(), Counter())),
        "by_helper": [
            {"helper": name, "total": sum(kinds.values()), "kinds": dict(kinds)}
            for name, kinds in sorted(by_helper.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
        ],
        "plan": plan,
        "next_plan": next_plan,
        "due_next": [
            {
                "child_id": r.child_id,
                "name": r.name,
                "rule": r.rule,
                "due_date": r.due_date.isoformat(),
                "priority": r.priority,
                "helpers": list(r.helpers),
            }
            for r in due
            if next_start <= r.due_date <= next_end
        ],
        # already overdue at the month's end: still to do, listed by `lbc remind`
        "overdue_open": sum(1 for r in due if r.due_date < next_start),
    }


# ---- rendering -----------------------------------------------------------------------------


def _pct(value) -> str:
    """0.95 -> '95%', 0.8684 -> '86.8%', None -> '—'."""
    if value is None:
        return "—"
    text = f"{value * 100:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def _one_line(value):
    """Every value printed by a template stays inside its table cell: `|` escaped, line breaks joined."""
    if isinstance(value, str):
        return value.replace("|", "\\|").replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return value


def environment(templates: str | None):
    """Jinja2 over the user's folder (if any) first, then the packaged templates, per language."""
    import jinja2

    lang = i18n.lang()
    folders = []
    if templates:
        user = Path(templates).expanduser()
        if not user.is_dir():
            raise LbcError(i18n.t("templates_missing", folder=user), ExitCode.USAGE)
        folders += [user / lang, user]
    folders.append(PACKAGED / lang)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f) for f in folders]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        finalize=_one_line,
    )
    env.filters["pct"] = _pct
    env.filters["label"] = lambda slug, enum: i18n.label(enum, slug)
    env.filters["labels"] = lambda slugs, enum: i18n.labels(enum, slugs)
    env.filters["yesno"] = lambda v: i18n.t("yes") if v else i18n.t("no")
    env.filters["dash"] = lambda v: "—" if v in (None, "") else v
    env.globals["field"] = i18n.field
    env.globals["month_name"] = lambda m: f"{m}月" if lang == "zh" else date(2000, m, 1).strftime("%B")
    return env


def render_markdown(report: str, context: dict, templates: str | None) -> str:
    import jinja2

    env = environment(templates)
    name = f"{report}.md.j2"
    try:
        template = env.get_template(name)
        return template.render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise LbcError(i18n.t("template_error", file=exc.filename or name, line=exc.lineno, why=exc.message)) from None
    except jinja2.TemplateNotFound as exc:
        raise LbcError(i18n.t("template_error", file=exc.name, line=0, why="not found")) from None
    except LbcError:
        raise
    except Exception as exc:  # any error raised while a template runs: name its file and line
        file, line = _where(exc, name)
        why = str(exc) if isinstance(exc, jinja2.TemplateError) else f"{type(exc).__name__}: {exc}"
        raise LbcError(i18n.t("template_error", file=file, line=line, why=why)) from None


def _where(exc: Exception, default: str) -> tuple[str, int]:
    """The template file and line an error was raised from (Jinja2 keeps them in the traceback)."""
    tb = exc.__traceback__
    found = (default, 0)
    while tb is not None:
        # Jinja2 rewrites the traceback so that template frames carry the template's file and line
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def to_html(markdown: str, title: str) -> str:
    """The Markdown as a printable page (CommonMark with GFM tables)."""
    from html import escape

    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    lang = "zh-CN" if i18n.lang() == "zh" else "en"
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<style>
body {{ font-family: "Noto Serif CJK SC", "Songti SC", SimSun, serif; max-width: 46em; margin: 2em auto; }}
p, li {{ line-height: 1.6; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #888; padding: 0.2em 0.6em; }}
pre {{ background: #f4f4f4; padding: 0.6em; overflow-x: auto; }}
@media print {{ body {{ margin: 0; max-width: none; }} }}
</style>
</head>
<body>
{body}</body>
</html>
"""
