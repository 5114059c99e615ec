"""The rule parameters and targets kept by `lbc config`: their types, defaults, bounds and meaning.

The database stores only the values a user set; everything else is the default here.
"""

from dataclasses import dataclass

from lbc_cli import i18n, validate
from lbc_cli.errors import Invalid


@dataclass(frozen=True)
class Setting:
    key: str
    kind: type  # int or float
    default: int | float
    minimum: int | float
    maximum: int | float | None
    zh: str
    en: str

    def parse(self, raw: object) -> int | float:
        if self.kind is int:
            return validate.parse_int(raw, self.key, minimum=int(self.minimum), maximum=self.maximum)
        return validate.parse_number(raw, self.key, minimum=self.minimum, maximum=self.maximum)

    def stored(self, raw: str) -> int | float:
        """A stored value, kept within today's bounds: a value set before a bound existed (a review every 99999
        days) is read as the bound, not refused, so that no command stops working on that database."""
        try:
            return self.parse(raw)
        except Invalid:
            try:
                number = float(raw)
            except ValueError:
                return self.default
            if number != number:  # NaN
                return self.default
            number = max(self.minimum, number if self.maximum is None else min(self.maximum, number))
            return self.kind(number)

    def description(self) -> str:
        return self.zh if i18n.lang() == "zh" else self.en


MAX_DAYS = 3650  # ten years: any interval of the plan, and a date it gives stays in the calendar
MAX_YUAN = 1_000_000  # a reward the money columns hold with room to spare

_ALL = [
    # Assessment, SPEC section 5 (the seed's 考核及奖励 blanks).
    Setting("rank_step", int, 1, 1, 100, "每上升几个名次计一次加分", "ranks gained per scoring step"),
    Setting("points_per_step", int, 1, 0, 100, "每一步加几分", "points per step"),
    Setting("top_keep_rank", int, 10, 1, 100, "保持在班级前几名", "keep-top rank (stay within the top N)"),
    Setting("top_keep_points", int, 5, 0, 100, "保持前列的加分", "points for staying in the top N"),
    Setting("no_violation_points", int, 2, 0, 100, "无严重违纪违法行为的加分", "points for no serious violation"),
    Setting("merit_student_points", int, 5, 0, 100, "获得三好学生称号的加分", "points for a merit student"),
    Setting("yuan_per_point", float, 1, 0, MAX_YUAN, "每分奖励多少元", "yuan per assessment point"),
    Setting("first_place_yuan", float, 100, 0, MAX_YUAN, "班级第一名奖励（元）", "first place award (yuan)"),
    Setting("excellence_max_rank", int, 5, 2, 100, "优秀奖的最低名次（第 2 名至此）", "excellence award: ranks 2..N"),
    Setting("excellence_yuan", float, 50, 0, MAX_YUAN, "优秀奖（元）", "excellence award (yuan)"),
    Setting("progress_min_ranks", int, 5, 1, 100, "进步奖需进步的名次数", "ranks gained for the progress award"),
    Setting("progress_yuan", float, 30, 0, MAX_YUAN, "进步奖（元）", "progress award (yuan)"),
    Setting("age_limit", int, 16, 1, 18, "留守儿童年龄上限（不满几周岁）", "age limit (a child is under this age)"),
    # Reminders, SPEC section 6.
    Setting("video_call_days", int, 7, 1, MAX_DAYS, "与父母视频/通话的间隔天数", "days between parent video calls"),
    Setting("parent_feedback_days", int, 30, 1, MAX_DAYS, "向父母反馈的间隔天数", "days between feedback to parents"),
    Setting(
        "priority_visit_days", int, 30, 1, MAX_DAYS, "重点儿童家访间隔天数", "days between visits, priority children"
    ),
    Setting("visit_days", int, 90, 1, MAX_DAYS, "其他儿童家访间隔天数", "days between home visits, other children"),
    Setting("review_days", int, 180, 1, MAX_DAYS, "档案核查间隔天数", "days between record reviews"),
    Setting(
        "resend_days",
        int,
        7,
        0,
        365,
        "同一提醒再次发送到同一渠道前的天数",
        "days before a reminder is sent to a channel again",
    ),
    # Targets of the work plan, SPEC section 7 (percent).
    Setting("target_archive_rate", float, 100, 0, 100, "建档率目标（%）", "target archive rate (%)"),
    Setting("target_in_school_rate", float, 100, 0, 100, "入学率目标（%）", "target school enrolment rate (%)"),
    Setting("target_retention_rate", float, 100, 0, 100, "巩固率目标（%）", "target retention rate (%)"),
]

SETTINGS: dict[str, Setting] = {s.key: s for s in _ALL}


def lookup(key: str) -> Setting:
    setting = SETTINGS.get(key.strip().replace("-", "_"))
    if setting is None:
        raise Invalid("key", i18n.t("config_unknown", key=key))
    return setting


def show(value: int | float) -> str:
    """A setting value as text: 50.0 -> '50', 0.5 -> '0.5'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def resolve(stored: dict[str, str]) -> dict[str, int | float]:
    """Every setting's value: the stored one where set, else the default."""
    values: dict[str, int | float] = {}
    for key, setting in SETTINGS.items():
        raw = stored.get(key)
        values[key] = setting.default if raw is None else setting.stored(raw)
    return values


def values_in(db) -> dict[str, int | float]:
    """Every setting's value in the opened database: the stored one, else the default."""
    from lbc_cli import store

    with db.session() as session:
        return store.rule_values(session=session)


def save(db, setting: Setting, value: int | float) -> None:
    """Keep a checked value of a setting in the opened database (the change is audited)."""
    from lbc_cli import store

    with db.session(write=True) as session:
        store.set_setting(setting.key, show(value), session=session)
