"""The domain's conditions, each defined once, as SQL text: a child in the programme on a date (and since when),
a priority child, a pairing in force, a village's (or a township's) children, a contact that counts for a reminder rule
and the last day of one, each child's helpers in order.

Every query uses these: the reminder facts (``reminder_facts``), read on a bare sqlite3 connection or
through a session, and store's SQLAlchemy queries, which wrap the same text (``store.active_on`` and the
others). They are text, not SQLAlchemy expressions, so that ``remind`` on a SQLite file need not import
SQLAlchemy. Each fragment is one parenthesised condition over a table named by the caller (an alias or the
table's own name), with ``:name`` parameters; it runs the same on SQLite and PostgreSQL (``false`` is
SQLite's 0). This module imports nothing of lbc's, nor anything heavy.
"""

from collections.abc import Callable, Iterable

# The contacts the reminder rules count, by the fact each gives (rules/reminders.ChildFacts): the kinds, and
# whether only a contact with a parent counts. A contact that reached nobody (--no-answer) never counts.
PARENT_CALL_KINDS = ("video-call", "phone-call")
COUNTED_CONTACTS = {
    "last_parent_call": (PARENT_CALL_KINDS, True),
    "last_feedback": (("parent-feedback",), False),
    "last_visit": (("home-visit",), False),
}
PRIORITY_FLAGS = ("problem", "hardship", "lives-alone")  # with a guardian rated poor: SPEC section 4


def in_programme(child: str = "children", on: str = "as_of") -> str:
    """A child in the programme on the date :``on`` (SPEC section 10): enrolled by then, not left before it
    (active, or its exit date that day or later: the exit date is its last day in), and not in a time out it
    came back from (after an exit date and before its re-entry date: a row of exits). Whether any child at all
    was in such a time out that day is asked once (most days none was: no child's exits are looked at); else
    the exits' partial index of the closed times out answers with one seek a child."""
    out = f"exits.reentered_on > :{on} AND exits.exit_date < :{on}"
    return (
        f"({child}.enrolled_on <= :{on} AND ({child}.status = 'active' OR {child}.exit_date >= :{on})"
        f" AND (NOT EXISTS (SELECT 1 FROM exits WHERE {out})"
        f" OR NOT EXISTS (SELECT 1 FROM exits WHERE exits.child_id = {child}.id AND {out})))"
    )


def back_since(child: str = "children", on: str = "as_of") -> str:
    """The child's last re-entry on or before :``on`` (NULL: never back from a time out): its present time in
    the programme began then, and the care work starts again from it as from an enrolment. Whether any child
    came back by then is asked once (in most registers none has)."""
    return (
        f"(CASE WHEN EXISTS (SELECT 1 FROM exits WHERE exits.reentered_on <= :{on})"
        f" THEN (SELECT max(exits.reentered_on) FROM exits WHERE exits.child_id = {child}.id"
        f" AND exits.reentered_on <= :{on}) END)"
    )


def helper_in_post(helper: str = "helpers", on: str = "as_of") -> str:
    """A helper in post on the date :``on``: not inactive by then (``inactive_on`` after it), or active with no
    such date (a helper not active without one: inactive since a day not known)."""
    return f"({helper}.inactive_on > :{on} OR ({helper}.inactive_on IS NULL AND {helper}.active = true))"


def priority(child: str = "children") -> str:
    """A priority child (重点帮扶对象, SPEC section 4): flagged problem, hardship or lives-alone, or its guardian
    rated poor."""
    flagged = " OR ".join(f"(';' || {child}.flags || ';') LIKE '%;{flag};%'" for flag in PRIORITY_FLAGS)
    return f"({flagged} OR {child}.guardian_rating = 'poor')"


def pairing_in_force(pairing: str = "pairings", on: str = "as_of", until: str | None = None) -> str:
    """A pairing in force on the date :``on`` (started, and not ended on or before it); with ``until``, at any
    time from :``on`` to :``until`` (started by :``until``, not ended on or before :``on``)."""
    started_by = until or on
    return f"({pairing}.start_date <= :{started_by} AND ({pairing}.end_date IS NULL OR {pairing}.end_date > :{on}))"


def pairing_ended(pairing: str = "pairings", on: str = "as_of") -> str:
    """A pairing ended on or before the date :``on`` (its end day is the first day it is not in force): the
    last such day of a child with no pairing in force is when it was left without a helper."""
    return f"({pairing}.end_date <= :{on})"


def in_village(child: str = "children") -> str:
    """A child of the village :village; or, when no child's village is named so, of every village whose name
    starts with it (a township: 石桥镇 takes 石桥镇柳河村). So 李家村 never takes 李家村东's children, and a channel
    scoped to one village never receives another's. Its parameters are ``village_params``; ``village_matches``
    says the same in Python."""
    named = "SELECT 1 FROM children WHERE village = :village"
    township = f"{child}.village > :village AND {child}.village < :village_end AND NOT EXISTS ({named})"
    return f"({child}.village = :village OR ({township}))"


def village_matches(given: str, known: Iterable[str]) -> Callable[[str | None], bool]:
    """``in_village`` for a village name ``given`` among the villages ``known`` (every child's): whether a
    child's village is it."""
    given = given.strip()
    if given in known:
        return lambda village: village == given
    return lambda village: village is not None and village.startswith(given)


def village_params(village: str) -> dict[str, str]:
    """:village and :village_end of ``in_village``; the name as typed, spaces around it (full-width too) aside,
    as a village is stored."""
    village = village.strip()
    return {"village": village, "village_end": village + "\U0010ffff"}


def counted_contact(fact: str, contact: str = "contacts") -> str:
    """A contact that counts for the fact ``fact`` (a key of ``COUNTED_CONTACTS``): of its kinds, that
    reached someone, with a parent where only that counts. ``no_answer = false``, not ``NOT no_answer``: the
    covering index contacts (child_id, kind, no_answer, date, with_whom) seeks on it."""
    kinds, with_parent = COUNTED_CONTACTS[fact]
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    parent = f" AND {contact}.with_whom = 'parent'" if with_parent else ""
    return f"({contact}.kind IN ({listed}) AND {contact}.no_answer = false{parent})"


# The contact's columns that decide whether it counts, and for which child and day (counted_contact, last_contact)
COUNTED_BY = ("child_id", "kind", "no_answer", "with_whom", "date")


def last_contact(fact: str, child_id: str = "children.id", on: str = "as_of") -> str:
    """The last day, on or before :``on``, of a contact of the child ``child_id`` that counts for ``fact``
    (NULL: none): one seek per child on the covering index."""
    return (
        f"(SELECT max(date) FROM contacts WHERE contacts.child_id = {child_id}"
        f" AND {counted_contact(fact)} AND contacts.date <= :{on})"
    )


def last_contact_kept(fact: str, kept: str = "last_contacts", child_id: str = "children.id", on: str = "as_of") -> str:
    """``last_contact``, answered by the child's row ``kept`` of the table last_contacts (joined by the caller)
    where it can: its day for ``fact`` where that is on or before :``on``, or none at all. The contacts' seek
    where the child has no row (last_contacts.py), or for a date before its last such contact."""
    day = f"{kept}.{fact}"
    known = f"{kept}.child_id IS NOT NULL AND ({day} IS NULL OR {day} <= :{on})"
    return f"(CASE WHEN {known} THEN {day} ELSE {last_contact(fact, child_id, on)} END)"


# Each child's helpers: the helpers in this order (pinyin of their names), and a child's in the same order.
HELPERS_ORDER = "name_pinyin, name, id"
HELPERS_IN_ORDER = f"SELECT id, name FROM helpers ORDER BY {HELPERS_ORDER}"


def helper_names(helpers_in_order: list) -> Callable[[Iterable[int]], tuple[str, ...]]:
    """``names(ids)``: the names of the helpers ``ids`` (any iterable of ids) in the order of
    ``HELPERS_IN_ORDER``, whose rows are ``helpers_in_order``. An id with no helper row names nobody (as a
    join would)."""
    place = {ident: (n, name) for n, (ident, name) in enumerate(helpers_in_order)}

    def names(ids) -> tuple[str, ...]:
        return tuple(name for _n, name in sorted(place[i] for i in ids if i in place))

    return names
