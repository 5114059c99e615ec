"""Every table of lbc: the schema in one place.

Calendar facts are ``date``; the one timestamp kind (audit, schema history) is timezone-aware UTC.
Sets of slugs (flags, assistance) are ';'-joined text. Every row has an integer ``id`` and a ``uid``.
``name_pinyin`` and ``name_initials`` are derived from ``name`` on every write: they give rosters
their Chinese order and let ``zsf`` find 张三丰 with an index instead of a scan; ``name_variants`` holds the
initials and pinyin under the characters' other readings (``lzj`` for 李长江), looked at when those find no one.
"""

from datetime import UTC, date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, TypeDecorator, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from lbc_cli import conditions
from lbc_cli.uids import new_uid  # every row's uid (time-ordered): the default of each table's uid column


def utc_now() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """An aware UTC timestamp stored as ISO 8601 text, identical on SQLite and PostgreSQL."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: lbc stores timezone-aware UTC timestamps only")
        return value.astimezone(UTC).isoformat(timespec="seconds")

    def process_result_value(self, value, dialect):
        return None if value is None else datetime.fromisoformat(value)


def _uid_field() -> str:
    return Field(default_factory=new_uid, max_length=36, unique=True)


# The tables lbc deletes rows of (a correction, a helper entered by mistake, an exit undone, a schedule item): an id
# once given is never given again, so that the audit log's row ids and the ids people noted keep naming one record.
# SQLite's AUTOINCREMENT keeps the highest id ever used (sqlite_sequence); without it a deleted highest id is
# given again. PostgreSQL's sequences never go back.
NEVER_REUSED = {"sqlite_autoincrement": True}
NEVER_REUSED_TABLES = ("helpers", "pairings", "exits", "contacts", "exams", "schedule_items", "channels")


class Child(SQLModel, table=True):
    __tablename__ = "children"
    __table_args__ = (
        Index("ix_children_name_birth", "name", "birth_date"),
        Index("ix_children_birth_village", "birth_date", "village"),
        Index("ix_children_status_village", "status", "village"),
        Index("ix_children_pinyin", "name_pinyin", "name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    uid: str = _uid_field()
    name: str = Field(index=False)
    gender: str = Field(max_length=1)
    ethnicity: str | None = None
    birth_date: date
    id_number: str | None = Field(default=None, index=True)
    village: str | None = None
    village_group: str | None = None
    address: str | None = None
    school: str | None = None
    grade: int | None = None
    class_name: str | None = None
    schooling: str | None = None
    boarding: bool = False
    health: str | None = None
    guardian_name: str | None = None
    guardian_relation: str | None = None
    guardian_phone: str | None = None
    guardian_rating: str | None = None
    care_agreement_on: date | None = None
    consent_on: date | None = None
    father_away: bool = True
    father_work_place: str | None = None
    father_phone: str | None = None
    mother_away: bool = True
    mother_work_place: str | None = None
    mother_phone: str | None = None
    flags: str = ""
    assistance: str = ""
    hobbies: str | None = None
    family_notes: str | None = None
    status: str = "active"
    exit_reason: str | None = None
    exit_date: date | None = None
    enrolled_on: date
    reviewed_on: date | None = None
    name_pinyin: str = ""
    name_initials: str = Field(default="", index=True)
    # the initials and full pinyin under the characters' other readings, each between spaces (pinyin.derived)
    name_variants: str = ""


class Helper(SQLModel, table=True):
    __tablename__ = "helpers"
    __table_args__ = (Index("ix_helpers_pinyin", "name_pinyin", "name"), NEVER_REUSED)

    id: int | None = Field(default=None, primary_key=True)
    uid: str = _uid_field()
    name: str = Field(index=True)
    role: str
    phone: str | None = None
    organization: str | None = None
    village: str | None = None
    active: bool = True
    name_pinyin: str = ""
    name_initials: str = Field(default="", index=True)
    # the first day the helper no longer helps (None: still helping, or, with active false, since a day not known);
    # placed where schema 6's upgrade adds it (after the pinyin columns, before name_variants); exported right
    # after active, since the derived columns are not exported
    inactive_on: date | None = None
    # the initials and full pinyin under the characters' other readings, each between spaces (pinyin.derived)
    name_variants: str = ""


class Pairing(SQLModel, table=True):
    __tablename__ = "pairings"
    __table_args__ = (
        # covering for remind's facts: a child's helpers in force on a date, read from the index alone
        Index("ix_pairings_child", "child_id", "end_date", "start_date", "helper_id"),
        Index("ix_pairings_helper", "helper_id", "end_date"),
        NEVER_REUSED,
    )

    id: int | None = Field(default=None, primary_key=True)
    uid: str = _uid_field()
    child_id: int = Field(foreign_key="children.id")
    helper_id: int = Field(foreign_key="helpers.id")
    start_date: date
    end_date: date | None = None
    note: str | None = None


class Exit(SQLModel, table=True):
    """One time out of the programme: ``exit_date`` is the child's last day in it, ``reentered_on`` the first day
    back (None: still out). The child's own status, exit_date and exit_reason say the same of its open one."""

    __tablename__ = "exits"
    __table_args__ = (
        # conditions.in_programme: the child's closed times out, one seek a child in a table of only those
        Index(
            "ix_exits_back",
            "child_id",
            "reentered_on",
            "exit_date",
            sqlite_where=text("reentered_on IS NOT NULL"),
            postgresql_where=text("reentered_on IS NOT NULL"),
        ),
        Index("ix_exits_child", "child_id", "exit_date"),
        NEVER_REUSED,
    )

    id: int | None = Field(default=None, primary_key=True)
    uid: str = _uid_field()
    child_id: int = Field(foreign_key="children.id")
    exit_date: date
    exit_reason: str | None = None
    reentered_on: date | None = None


class Contact(SQLModel, table=True):
    __tablename__ = "contacts"
    __table_args__ = (
        # Every reminder asks "the last contact of this kind for this child that reached someone":
        # this index answers it alone (covering), one seek per child: no row is read.
        Index("ix_contacts_child_kind_date", "child_id", "kind", "no_answer", "date", "with_whom"),
        Index("ix_contacts_date", "date"),
        Index("ix_contacts_helper_date", "helper_id", "date"),
        NEVER_REUSED,
    )

    id: int | None = Field(default=None, primary_key=True)
    uid: str = _uid_field()
    child_id: int = Field(foreign_key="children.id")
    helper_id: int | None = Field(default=None, foreign_key="helpers.id")
    kind: str
    date: date
    with_whom: str | None = None
    minutes: int | None = None
    note: str | None = None
    follow_up_date: date | None = None
    # An attempt that reached nobody (--no-answer): it is kept but satisfies no reminder.
    no_answer: bool = False


# Derived from the contacts, never written by lbc's own code: each child's last day of each contact a reminder rule
# counts, a column a fact of conditions.COUNTED_CONTACTS (NULL: none), a row for each child with any contact of
# the kinds it counts. Kept by triggers on contacts (lbc_cli/last_contacts.py), rebuilt when that definition
# changes; remind reads a row a child instead of seeking in the contacts for each fact.
last_contacts = Table(
    "last_contacts",
    SQLModel.metadata,
    Column("child_id", Integer, ForeignKey("children.id"), primary_key=True, autoincrement=False),
    *(Column(fact, Date) for fact in conditions.COUNTED_CONTACTS),
)


class Exam(SQLModel, table=True):
    __tablename__ = "exams"
    __table_args__ = (
        UniqueConstraint("child_id", "school_year", "term", name="uq_exams_child_year_term"),
        NEVER_REUSED,
    )

    id: int | None = Field(default=None, primary_key=True)
    uid: str = _uid_field()
    child_id: int = Field(foreign_key="children.id")
    school_year: int
    term: int
    class_rank: int
    class_size: int | None = None
    total_score: float | None = None
    merit_student: bool = False
    serious_violation: bool = False


class Setting(SQLModel, table=True):
    __tablename__ = "settings"

    id: int | None = Field(default=None, primary_key=True)
    uid: str = _uid_field()
    key: str = Field(unique=True)
    value: str


class ScheduleItem(SQLModel, table=True):
    """One line of the year's work schedule (the seed's 工作安排), by calendar month."""

    __tablename__ = "schedule_items"
    __table_args__ = (Index("ix_schedule_month", "month", "position"), NEVER_REUSED)

    id: int | None = Field(default=None, primary_key=True)
    uid: str = _uid_field()
    month: int
    position: int = 0
    text: str


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_row", "table_name", "row_id"),)

    id: int | None = Field(default=None, primary_key=True)
    uid: str = _uid_field()
    at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))
    os_user: str
    command: str
    table_name: str
    row_id: int | None = None
    action: str  # insert, update, delete, purge
    old_values: str | None = None  # JSON object of the changed fields before
    new_values: str | None = None  # JSON object of the changed fields after
    reason: str | None = None  # why, as the user gave it (--reason of a correction)


class Channel(SQLModel, table=True):
    """Where `lbc remind --send` posts the reminders (SPEC section 12): a group robot's webhook (style wecom,
    dingtalk, feishu, or json: a plain POST) or an e-mail address reached over SMTP. The webhook (its key), the
    signing secret and the addresses are shown masked everywhere; an SMTP password is never stored (it comes from
    LBC_SMTP_PASSWORD or the 0600 file ``password_file`` names). A channel with a scope receives only the
    reminders of its villages' children and its helpers' children."""

    __tablename__ = "channels"
    # a channel removed while a send runs must not lend its id, and so its send log, to one added meanwhile
    __table_args__ = (NEVER_REUSED,)

    id: int | None = Field(default=None, primary_key=True)
    uid: str = _uid_field()
    name: str = Field(unique=True)
    style: str  # json, wecom, dingtalk, feishu, email
    webhook: str | None = None  # the robot's URL, key included (a secret)
    sign_secret: str | None = None  # DingTalk's and Feishu's signing secret (a secret)
    keyword: str | None = None  # DingTalk's and Feishu's custom keyword: every message carries it
    email_to: str | None = None  # addresses joined by ','
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: str | None = None  # tls (implicit, 465) or starttls
    smtp_user: str | None = None
    from_address: str | None = None
    password_file: str | None = None  # the absolute path of a 0600 file holding the SMTP password
    villages: str = ""  # the scope: village (or township) names joined by ';' ('' and no helpers: everything)
    helper_ids: str = ""  # the scope: helper ids joined by ';'
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))


class SentReminder(SQLModel, table=True):
    """The send log: one reminder (child, rule, due date) delivered to one channel, when. Only what a platform
    accepted is written; `remind --send` skips a reminder sent to the channel within ``resend_days``. The plan's
    items of a month are one row with no child (rule ``schedule``, the month's last day)."""

    __tablename__ = "send_log"
    __table_args__ = (Index("ix_send_log_channel", "channel_id", "sent_at", "child_id", "rule", "due_date"),)

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channels.id")
    child_id: int | None = Field(default=None, foreign_key="children.id")
    rule: str
    due_date: date
    sent_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))


class SchemaVersion(SQLModel, table=True):
    __tablename__ = "schema_version"

    id: int | None = Field(default=None, primary_key=True)
    uid: str = _uid_field()
    version: int
    applied_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime, nullable=False))


# Export name (SPEC section 3) -> table model.
TABLES = {
    "children": Child,
    "helpers": Helper,
    "pairs": Pairing,
    "contacts": Contact,
    "exams": Exam,
    "exits": Exit,
}

# Columns derived from others on every write; not part of the export contract.
DERIVED = {"name_pinyin", "name_initials", "name_variants"}


def export_columns(model: type[SQLModel]) -> list[str]:
    return [c.name for c in model.__table__.columns if c.name not in DERIVED]
