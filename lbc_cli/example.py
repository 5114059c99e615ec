"""The demo data of `lbc init --example` and of the committed lbc.example.db, made deterministically.

Three villages of one township, 40 children covering every flag, schooling, guardian case, health
and assistance slug, enrolled in September 2025, a helper of every role, pairings since then (one
ended, some children still unpaired), the autumn term of school year 2026 in contacts
(1 Sep – 27 Nov 2026), and exam ranks for school
years 2024 (term 2) and 2025 (both terms): `lbc score --year 2025` has first- and second-year
pupils. Same seed, same rows, same uids: `python -m lbc_cli.example FILE` rebuilds the committed
file, and a test checks that it is current.

Names, phones and id numbers are invented: phones are in the 1380000xxxx block, id numbers carry
a valid check digit on an invented area code.
"""

import json
import random
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path

from lbc_cli import i18n, pinyin, validate

SEED = 2023
ENROL_START = date(2025, 9, 1)  # the survey and the first records: a year before the term shown
TERM_START = date(2026, 9, 1)
TERM_END = date(2026, 11, 27)
VILLAGES = ["李家村", "王庄村", "陈湾村"]
SCHOOLS = {"primary": "镇中心小学", "junior": "镇初级中学", "senior": "县第一中学", "vocational": "县职业中专"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁宋郑谢韩唐冯曾彭"
GIVEN = "子涵浩宇欣怡梓轩雨桐俊杰思彤家豪佳琪晨阳一诺梦瑶嘉怡志强静雯明轩若曦天佑"
WORK_PLACES = ["广东东莞", "浙江义乌", "江苏苏州", "福建晋江", "上海", "广东深圳", "北京", "湖北武汉"]
HELPERS = [
    ("周晓燕", "village-official", "李家村", "乡政府"),
    ("吴丽萍", "children-director", "王庄村", "村委会"),
    ("郑建国", "village-cadre", "陈湾村", "村委会"),
    ("冯德明", "party-member", "李家村", None),
    ("林秀英", "class-teacher", None, "镇中心小学"),
    ("何志远", "class-teacher", None, "镇初级中学"),
    ("韩雪", "volunteer", None, "县团委"),
    ("唐桂兰", "loving-mother", "王庄村", "乡妇联"),
    ("彭大勇", "temp-dad", "陈湾村", None),
    ("谢春梅", "proxy-parent", "李家村", None),
    ("宋老师", "other", None, "县关工委"),
    ("高红霞", "loving-mother", "陈湾村", "乡妇联"),
]


class _Maker:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def phone(self) -> str:
        return "1380000" + f"{self.rng.randrange(10000):04d}"

    def name(self) -> str:
        given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2))))
        return self.rng.choice(SURNAMES) + given

    def id_number(self, birth: date, gender: str) -> str:
        seq = self.rng.randrange(0, 50) * 2 + (1 if gender == "M" else 0)
        first17 = f"431099{birth:%Y%m%d}{self.rng.randrange(10)}{seq:02d}"[:17]
        # the 17th digit carries the gender: odd for boys
        first17 = first17[:16] + str((int(first17[16]) // 2) * 2 + (1 if gender == "M" else 0))
        return first17 + validate.id_check_digit(first17)


def build() -> dict[str, list[dict]]:
    """Every row of the example, by table name."""
    m = _Maker()
    rng = m.rng
    schooling_cycle = [
        "primary", "primary", "junior", "primary", "junior", "preschool", "primary", "junior",
        "not-in-preschool", "senior", "vocational", "dropout", "not-in-school", "primary", "junior",
    ]  # fmt: skip
    relations = ["grandparent", "grandparent", "maternal-grandparent", "parent", "relative", "grandparent", "other"]
    children: list[dict] = []
    used_names: set[str] = set()
    for i in range(40):
        village = VILLAGES[i % 3]
        schooling = schooling_cycle[i % len(schooling_cycle)]
        age = {"not-in-preschool": 2, "preschool": 4, "primary": 8, "junior": 13, "senior": 15, "vocational": 15}.get(
            schooling, 14
        )
        birth = date(2026 - age, rng.randrange(1, 11), rng.randrange(1, 29))
        if i == 7:  # turns 16 a few weeks after the example's end: the age-out reminder shows
            birth = date(2010, 12, 20)
        gender = "FM"[i % 2]
        name = m.name()
        while name in used_names:
            name = m.name()
        if i == 39:  # a namesake in another village: references by name must be disambiguated
            name = children[4]["name"]
        used_names.add(name)
        away = ["both", "both", "both", "father", "mother"][i % 5]
        relation = "none" if i == 13 else relations[i % len(relations)]
        flags = set()
        if i % 6 == 0:
            flags.add("hardship")
        if i % 9 == 2 and age >= 6:
            flags.add("problem")
        if i % 10 == 3:
            flags.add("single-parent")
        if schooling in ("dropout", "junior") and i % 4 == 1:
            flags.add("dropout-risk")
        if i == 13:
            flags.add("lives-alone")
        assistance = set()
        if "hardship" in flags:
            assistance.add(["dibao", "tekun", "temporary", "medical", "housing", "other"][(i // 6) % 6])
        if i == 25:
            assistance.update({"medical", "temporary"})
        grade = None
        if schooling == "primary":
            grade = 1 + (age - 6) % 6
        elif schooling == "junior":
            grade = 7 + (age - 12) % 3
        elif schooling in ("senior", "vocational"):
            grade = 10
        enrolled = ENROL_START + timedelta(days=rng.randrange(0, 20))
        reviewed = TERM_START + timedelta(days=rng.randrange(0, 20))
        complete = i % 8 != 5  # a few records still miss fields: the archive rate is below 100%
        guardian_name = None if relation == "none" else (name[0] + ("奶奶" if i % 3 else "爷爷"))
        children.append(
            {
                "id": i + 1,
                "uid": m.uid(),
                "name": name,
                "gender": gender,
                "ethnicity": "汉族" if i % 11 else "土家族",
                "birth_date": birth,
                "id_number": m.id_number(birth, gender) if i % 4 != 2 else None,
                "village": village,
                "village_group": f"{1 + i % 5}组",
                "address": f"{village}{1 + i % 5}组{10 + i}号",
                "school": SCHOOLS.get(schooling),
                "grade": grade,
                "class_name": f"{1 + i % 2}班" if grade else None,
                "schooling": schooling,
                "boarding": schooling in ("junior", "senior", "vocational") and i % 2 == 0,
                "health": "disabled" if i == 17 else ("ill" if i == 22 else "healthy"),
                "guardian_name": guardian_name,
                "guardian_relation": relation,
                "guardian_phone": m.phone() if guardian_name and complete else None,
                "guardian_rating": "poor" if i in (9, 13, 30) else ("fair" if i % 4 == 0 else "good"),
                "care_agreement_on": enrolled if complete and relation != "none" else None,
                "consent_on": enrolled,
                "father_away": away in ("both", "father"),
                "father_work_place": rng.choice(WORK_PLACES) if away in ("both", "father") else None,
                "father_phone": m.phone() if away in ("both", "father") else None,
                "mother_away": away in ("both", "mother"),
                "mother_work_place": rng.choice(WORK_PLACES) if away in ("both", "mother") else None,
                "mother_phone": m.phone() if away in ("both", "mother") else None,
                "flags": ";".join(s for s in i18n.ENUMS["flag"] if s in flags),
                "assistance": ";".join(s for s in i18n.ENUMS["assistance"] if s in assistance),
                "hobbies": rng.choice(["画画", "篮球", "唱歌", "看书", "跳绳", None]),
                "family_notes": "父母春节回家" if i % 7 == 0 else None,
                "status": "active",
                "exit_reason": None,
                "exit_date": None,
                "enrolled_on": enrolled,
                "reviewed_on": reviewed,
            }
        )
    # Two children left the programme during the term.
    for child, reason, day in (
        (children[35], "parents-returned", date(2026, 11, 1)),
        (children[36], "moved", date(2026, 10, 10)),
    ):
        child.update(status="exited", exit_reason=reason, exit_date=day)

    helpers = [
        {"id": n, "uid": m.uid(), "name": name, "role": role, "phone": m.phone(), "organization": org,
         "village": village, "active": n != 12, "inactive_on": None}
        for n, (name, role, village, org) in enumerate(HELPERS, 1)
    ]  # fmt: skip

    pairs: list[dict] = []

    def pair(child: dict, helper_id: int, start: date, end: date | None = None, note: str | None = None) -> None:
        pairs.append(
            {"id": len(pairs) + 1, "uid": m.uid(), "child_id": child["id"], "helper_id": helper_id,
             "start_date": start, "end_date": end, "note": note}
        )  # fmt: skip

    village_helper = {"李家村": [1, 4, 10], "王庄村": [2, 8], "陈湾村": [3, 9]}
    for child in children:
        i = child["id"] - 1
        if i in (11, 23, 38):  # still unpaired
            continue
        start = child["enrolled_on"] + timedelta(days=7)
        pair(child, village_helper[child["village"]][(i // 3) % len(village_helper[child["village"]])], start)
        if child["schooling"] == "primary" and child["class_name"] == "1班":
            pair(child, 5, start)
        if child["schooling"] == "junior":
            pair(child, 6, start)
        if i % 5 == 0:
            pair(child, 7, start + timedelta(days=14))
    # One pairing that ended when its helper moved away.
    pair(children[11], 12, date(2026, 9, 5), date(2026, 10, 31), "帮扶人调离")
    # A child's exit ends its pairings that day, as `lbc child exit` does.
    exited_on = {child["id"]: child["exit_date"] for child in children if child["status"] == "exited"}
    for p in pairs:
        if p["end_date"] is None and p["child_id"] in exited_on:
            p["end_date"] = max(exited_on[p["child_id"]], p["start_date"])

    contacts: list[dict] = []
    helper_of = {}
    for p in pairs:
        helper_of.setdefault(p["child_id"], p["helper_id"])

    def contact(child: dict, kind: str, day: date, with_whom: str | None, minutes: int | None, note: str | None = None,
                no_answer: bool = False, helper_id: int | None = None) -> None:  # fmt: skip
        contacts.append(
            {"id": len(contacts) + 1, "uid": m.uid(), "child_id": child["id"],
             "helper_id": helper_id if helper_id is not None else helper_of.get(child["id"]), "kind": kind,
             "date": day, "with_whom": with_whom, "minutes": minutes, "note": note, "follow_up_date": None,
             "no_answer": no_answer}
        )  # fmt: skip

    for child in children:
        i = child["id"] - 1
        if child["status"] == "exited":
            last = child["exit_date"]
        else:
            last = TERM_END
        day = TERM_START + timedelta(days=3 + i % 5)
        lapse = i % 4 == 1  # some families are called less often: the reminders show them overdue
        while day <= last:
            if rng.random() < 0.08:
                contact(child, "video-call", day, "parent", None, "未接通", no_answer=True)
            else:
                contact(
                    child, rng.choice(["video-call", "video-call", "phone-call"]), day, "parent", rng.randrange(8, 40)
                )
            day += timedelta(days=rng.randrange(14, 30) if lapse else rng.randrange(6, 9))
        month_day = TERM_START + timedelta(days=20 + i % 10)
        while month_day <= last - timedelta(days=10 if i % 3 == 0 else 0):
            contact(child, "parent-feedback", month_day, "parent", 15, "学习和生活情况")
            month_day += timedelta(days=30 + rng.randrange(0, 6))
        visits = 3 if child["guardian_rating"] == "poor" or "hardship" in child["flags"] else 1
        for v in range(visits):
            visit_day = TERM_START + timedelta(days=10 + i % 10 + v * 35)
            if visit_day <= last:
                contact(child, "home-visit", visit_day, "guardian", 45)
        if child["school"]:
            contact(child, "school-visit", min(date(2026, 11, 14), last), "teacher", 30)  # while in the programme
        if "hardship" in child["flags"]:
            contact(child, "aid", date(2026, 9, 28), "guardian", None, "书包、文具、冬衣")
        if "problem" in child["flags"]:
            contact(child, "counseling", date(2026, 10, 16), "child", 50)
    # Group work: the National Day activity and the parents' meeting.
    for child in children:
        if child["status"] == "active" and child["schooling"] in ("primary", "junior"):
            contact(child, "activity", date(2026, 10, 2), "child", 120, "庆国庆活动", helper_id=1)
    for child in children[:20]:
        contact(child, "parent-meeting", date(2026, 11, 20), "guardian", 90, "期末家长会", helper_id=2)
    contact(children[13], "mandatory-report", date(2026, 9, 12), None, None, "独居,已报告乡政府和派出所", helper_id=2)

    exams: list[dict] = []
    for child in children:
        if child["schooling"] not in ("primary", "junior") or not child["class_name"]:
            continue
        size = 42 + child["id"] % 8
        base = 1 + rng.randrange(size)
        term1 = max(1, min(size, base + rng.randrange(-12, 9)))
        term2 = max(1, min(size, term1 + rng.randrange(-10, 7)))
        records = [(2025, 1, term1), (2025, 2, term2)]
        if child["grade"] not in (1, 2, 7, 8):  # pupils in their second year of the scheme have last year's rank
            records.insert(0, (2024, 2, base))
        for year, term, rank in records:
            exams.append(
                {"id": len(exams) + 1, "uid": m.uid(), "child_id": child["id"], "school_year": year, "term": term,
                 "class_rank": rank, "class_size": size, "total_score": round(600 - rank * 9.5 + rng.random() * 5, 1),
                 "merit_student": rank <= 3 and term == 2, "serious_violation": child["id"] == 12 and term == 1}
            )  # fmt: skip
    # Made last, so that the rows above keep their uids: each exited child's time out, and the day the helper who
    # moved away (helpers[11], whose pairing ended 2026-10-31) stopped helping.
    exits = [
        {"id": n, "uid": m.uid(), "child_id": child["id"], "exit_date": child["exit_date"],
         "exit_reason": child["exit_reason"], "reentered_on": None}
        for n, child in enumerate((c for c in children if c["status"] == "exited"), 1)
    ]  # fmt: skip
    helpers[11]["inactive_on"] = date(2026, 10, 31)
    return {
        "children": children, "helpers": helpers, "pairings": pairs, "contacts": contacts, "exams": exams,
        "exits": exits,
    }  # fmt: skip


def load(db) -> dict[str, int]:
    """Insert the example into an opened, empty database (one transaction). Returns the counts."""
    from lbc_cli import context, models, store
    from lbc_cli.db import sync_sequences
    from lbc_cli.errors import LbcError

    data = build()
    for table in ("children", "helpers"):
        for row in data[table]:
            row.update(pinyin.derived(row["name"]))
    order = [
        (models.Child, "children"),
        (models.Helper, "helpers"),
        (models.Exit, "exits"),
        (models.Pairing, "pairings"),
        (models.Contact, "contacts"),
        (models.Exam, "exams"),
    ]
    with db.session(write=True) as session:
        conn = session.connection()
        if any(store.count(model, session=session) for model, _key in order):
            raise LbcError(i18n.t("example_not_empty"))
        audit = []
        for model, key in order:
            conn.execute(model.__table__.insert(), data[key])
            sync_sequences(conn, model.__tablename__)  # the rows carry their ids: PostgreSQL's counter follows
            audit.append(
                {"uid": models.new_uid(), "at": models.utc_now(), "os_user": store.os_user(),
                 "command": context.command, "table_name": model.__tablename__, "row_id": None,
                 "action": "example", "old_values": None, "new_values": json.dumps({"rows": len(data[key])})}
            )  # fmt: skip
        conn.execute(models.AuditEntry.__table__.insert(), audit)
    return {
        "children": len(data["children"]),
        "helpers": len(data["helpers"]),
        "pairs": len(data["pairings"]),
        "contacts": len(data["contacts"]),
        "exams": len(data["exams"]),
    }


def main(argv: list[str]) -> int:
    """python -m lbc_cli.example FILE: (re)build the example database file."""
    from lbc_cli.db import Database

    if len(argv) != 1:
        sys.stderr.write("usage: python -m lbc_cli.example FILE\n")
        return 2
    path = argv[0]
    if "://" not in path:  # a file is made anew; a server's database must be empty
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
    db = Database(path).open(create=True)
    from lbc_cli import store

    with db.session(write=True) as session:
        store.seed_schedule(session=session)
    counts = load(db)
    raw = db.engine.raw_connection()
    try:
        # Fold the WAL into the file, so the committed file is whole by itself (it stays in WAL mode,
        # so opening it later does not rewrite its header).
        if db.is_sqlite:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    db.dispose()
    sys.stderr.write(f"{path}: {counts}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
