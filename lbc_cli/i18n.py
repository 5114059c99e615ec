"""Chinese and English: every slug's label, every field label and every message, in one catalog.

It is plain dictionaries, imported by every command. The language is LBC_LANG's, else the locale's, until
main() reads --lang (``set_lang``).
"""

import errno
import os
import re
from contextlib import contextmanager

# Slug -> (Chinese label, English label). Slugs are the fixed names of SPEC section 4.
ENUMS: dict[str, dict[str, tuple[str, str]]] = {
    "gender": {"F": ("女", "female"), "M": ("男", "male")},
    "guardian_relation": {
        "grandparent": ("祖父母", "grandparent"),
        "maternal-grandparent": ("外祖父母", "maternal grandparent"),
        "parent": ("父母一方", "parent at home"),  # SPEC section 4 (the older label: i18n.WORDS)
        "relative": ("其他亲属", "other relative"),
        "other": ("其他", "other"),
        "none": ("无", "none"),
    },
    "flag": {
        "problem": ("问题留守儿童", "problem"),
        "hardship": ("困难留守儿童", "hardship"),
        "single-parent": ("单亲", "single parent"),
        "dropout-risk": ("辍学风险", "dropout risk"),
        "lives-alone": ("独居", "lives alone"),
    },
    "schooling": {
        "not-in-preschool": ("未入园", "not in preschool"),
        "preschool": ("幼儿园", "preschool"),
        "primary": ("小学", "primary"),
        "junior": ("初中", "junior secondary"),
        "senior": ("高中", "senior secondary"),
        "vocational": ("中职", "vocational"),
        "dropout": ("辍学", "dropped out"),
        "not-in-school": ("不在学", "not in school"),
    },
    "health": {"healthy": ("健康", "healthy"), "disabled": ("残疾", "disabled"), "ill": ("患病", "ill")},
    "guardian_rating": {"good": ("较好", "good"), "fair": ("一般", "fair"), "poor": ("差", "poor")},
    "assistance": {
        "dibao": ("低保", "dibao"),
        "tekun": ("特困", "tekun"),
        "temporary": ("临时救助", "temporary relief"),
        "medical": ("医疗救助", "medical aid"),
        "housing": ("住房救助", "housing aid"),
        "other": ("其他", "other"),
    },
    "role": {
        "village-official": ("大学生村官", "village official"),
        "children-director": ("儿童主任", "children's director"),
        "village-cadre": ("村干部", "village cadre"),
        "party-member": ("党员", "party member"),
        "class-teacher": ("班主任", "class teacher"),
        "volunteer": ("牵手扶助志愿者", "volunteer"),
        "loving-mother": ("爱心妈妈", "loving mother"),
        "proxy-parent": ("代理家长", "proxy parent"),
        "temp-dad": ("临时爸爸", "temporary dad"),
        "other": ("其他", "other"),
    },
    "kind": {
        "video-call": ("亲情视频", "video call"),
        "phone-call": ("亲情电话", "phone call"),
        "home-visit": ("家访", "home visit"),
        "school-visit": ("到校了解", "school visit"),
        "parent-feedback": ("向父母反馈", "feedback to parents"),
        "activity": ("活动", "activity"),
        "aid": ("物资帮扶", "material aid"),
        "counseling": ("心理辅导", "counselling"),
        "parent-meeting": ("家长会", "parents' meeting"),
        "mandatory-report": ("强制报告", "mandatory report"),
    },
    "with": {
        "parent": ("父母", "parent"),
        "guardian": ("监护人", "guardian"),
        "child": ("儿童", "child"),
        "teacher": ("老师", "teacher"),
    },
    "status": {"active": ("在册", "active"), "exited": ("已退出", "exited"), "purged": ("已删除个人信息", "purged")},
    "status_filter": {
        "active": ("在册", "active"),
        "exited": ("已退出", "exited"),
        "purged": ("已删除个人信息", "purged"),
        "all": ("全部", "all"),
    },
    "exit_reason": {
        "aged-out": ("年满退出", "aged out"),
        "parents-returned": ("父母返乡", "parents returned"),
        "moved": ("迁出", "moved away"),
        "other": ("其他", "other"),
    },
    "rule": {
        "no-guardian": ("无人监护", "no guardian"),
        "video-call": ("亲情视频/通话", "parent video call"),
        "parent-feedback": ("向父母反馈", "feedback to parents"),
        "home-visit": ("家访", "home visit"),
        "care-agreement": ("委托照护确认", "care agreement"),
        "record-review": ("档案核查", "record review"),
        "unpaired": ("尚未结对", "no helper yet"),
        "age-out": ("即将年满", "ages out"),
        "schedule": ("本月工作安排", "this month's plan"),
    },
    "priority": {"urgent": ("紧急", "urgent"), "high": ("重要", "high"), "normal": ("一般", "normal")},
    "award": {
        "first-place": ("班级第一名奖", "first place"),
        "excellence": ("优秀奖", "excellence"),
        "progress": ("越位进步奖", "progress"),
    },
    "note": {"no-baseline": ("无比较基数", "no baseline"), "missing-rank": ("缺第二学期名次", "missing term-2 rank")},
    "away": {
        "both": ("父母均外出", "both parents"),
        "father": ("父亲外出", "father"),
        "mother": ("母亲外出", "mother"),
    },
    "prefer": {"mine": ("本库", "mine"), "theirs": ("对方", "theirs")},
    "table": {
        "helpers": ("帮扶人", "helpers"),
        "children": ("儿童", "children"),
        "pairings": ("结对", "pairings"),
        "contacts": ("联系记录", "contacts"),
        "exams": ("成绩", "exams"),
        "schedule_items": ("工作安排", "schedule items"),
        "settings": ("参数", "settings"),
    },
    # what ``lbc export`` writes: each TABLE's name for people (a workbook's sheet)
    "export": {
        "children": ("儿童", "children"),
        "helpers": ("帮扶人", "helpers"),
        "pairs": ("结对", "pairs"),
        "contacts": ("联系记录", "contacts"),
        "exams": ("成绩", "exams"),
        "exits": ("退出记录", "exits"),
        "scores": ("考核奖励", "scores"),
    },
    # whom a line of the payroll (``export scores``) pays
    "payee": {"helper": ("帮扶人", "helper"), "child": ("儿童", "child")},
    # issue 22, channels: a webhook channel's style (--style), and every channel's (e-mail too)
    "channel_style": {
        "json": ("通用 JSON", "JSON"),
        "wecom": ("企业微信", "WeCom"),
        "dingtalk": ("钉钉", "DingTalk"),
        "feishu": ("飞书", "Feishu"),
    },
}
ENUMS["channel_kind"] = {**ENUMS["channel_style"], "email": ("电子邮件", "e-mail")}

# The year's work schedule seeded at `lbc init` (the seed plan's 工作安排, in lbc's own words):
# calendar month -> items, each (Chinese, English). Editable with `lbc schedule`.
SCHEDULE: dict[int, list[tuple[str, str]]] = {
    3: [
        ("成立村级关爱工作领导小组,逐户摸清留守儿童底数", "set up the village care team and survey every household"),
        ("为每名留守儿童建立基本信息档案", "open a record for every left-behind child"),
        ("组织“爱心妈妈”等结对帮扶", "pair children with helpers (loving mothers and others)"),
    ],
    6: [
        ("更新留守儿童信息,核对监护人和联系方式", "update the records: guardians and phone numbers"),
        ("与学校共同组建关爱留守儿童工作专班", "form a joint care team with the schools"),
    ],
    9: [
        ("组织留守儿童国庆主题活动", "hold a National Day activity for the children"),
        ("查漏补缺结对关系,更新档案信息", "fill gaps in the pairings and update the records"),
        ("开通亲情电话,有条件的开通亲情视频", "open family phone lines, and video calls where possible"),
    ],
    11: [
        ("召开一次留守儿童家长会", "hold a meeting of the children's parents and guardians"),
        ("继续开展结对帮扶", "keep the pairings going"),
    ],
    12: [
        ("撰写年度留守儿童工作总结", "write the year's work summary"),
        ("整理归档留守儿童工作档案", "put the year's records in order"),
        ("交流工作经验,撰写经验文章", "share what worked and write it up"),
    ],
}

# Field name -> (Chinese, English): table headers, card labels, error messages.
# The words people type for a slug besides its labels (SPEC section 10), read as input only.
WORDS: dict[str, dict[str, str]] = {
    "guardian_relation": {
        **dict.fromkeys(("父亲", "母亲", "爸爸", "妈妈", "父/母(在家一方)"), "parent"),  # and the old label
        **dict.fromkeys(("爷爷", "奶奶"), "grandparent"),
        **dict.fromkeys(("外公", "外婆", "姥姥", "姥爷"), "maternal-grandparent"),
        **dict.fromkeys(("叔叔", "伯伯", "婶婶", "伯母", "姑姑", "姑父", "舅舅", "舅妈", "姨妈", "姨父"), "relative"),
    },
    "role": {"志愿者": "volunteer"},
}
# A relation word naming the parent at home -> the --away it means: the other parent (unless --away says otherwise)
OTHER_PARENT_AWAY = {"父亲": "mother", "爸爸": "mother", "母亲": "father", "妈妈": "father"}

FIELDS: dict[str, tuple[str, str]] = {
    "id": ("编号", "id"),
    "uid": ("UID", "uid"),
    "name": ("姓名", "name"),
    "gender": ("性别", "gender"),
    "ethnicity": ("民族", "ethnicity"),
    "birth_date": ("出生日期", "birth date"),
    "age": ("年龄", "age"),
    "id_number": ("身份证号", "id number"),
    "village": ("村", "village"),
    "village_group": ("村民组", "group"),
    "address": ("住址", "address"),
    "school": ("学校", "school"),
    "grade": ("年级", "grade"),
    "class_name": ("班级", "class"),
    "schooling": ("就学情况", "schooling"),
    "boarding": ("寄宿", "boarding"),
    "health": ("健康状况", "health"),
    "guardian_name": ("监护人", "guardian"),
    "guardian_relation": ("与儿童关系", "guardian relation"),
    "guardian_phone": ("监护人电话", "guardian phone"),
    "guardian_rating": ("监护情况", "guardian rating"),
    "care_agreement_on": ("委托照护确认日期", "care agreement on"),
    "consent_on": ("监护人同意日期", "consent on"),
    "father_away": ("父亲外出", "father away"),
    "father_work_place": ("父亲务工地点", "father's work place"),
    "father_phone": ("父亲电话", "father's phone"),
    "mother_away": ("母亲外出", "mother away"),
    "mother_work_place": ("母亲务工地点", "mother's work place"),
    "mother_phone": ("母亲电话", "mother's phone"),
    "flags": ("类别标记", "flags"),
    "assistance": ("救助帮扶", "assistance"),
    "hobbies": ("爱好特长", "hobbies"),
    "family_notes": ("家庭情况", "family notes"),
    "status": ("状态", "status"),
    "exit_reason": ("退出原因", "exit reason"),
    "exit_date": ("退出日期", "exit date"),
    "enrolled_on": ("建档日期", "enrolled on"),
    "reviewed_on": ("核查日期", "reviewed on"),
    "role": ("角色", "role"),
    "phone": ("电话", "phone"),
    "organization": ("单位", "organization"),
    "active": ("在岗", "active"),
    "inactive_on": ("离岗日期", "inactive from"),
    "reentered_on": ("回归日期", "re-entered on"),
    "helpers": ("帮扶人", "helpers"),
    "children": ("帮扶儿童", "children"),
    "child_id": ("儿童编号", "child id"),
    "helper_id": ("帮扶人编号", "helper id"),
    "start_date": ("开始日期", "start date"),
    "end_date": ("结束日期", "end date"),
    "note": ("备注", "note"),
    "kind": ("方式", "kind"),
    "date": ("日期", "date"),
    "with_whom": ("对象", "with"),
    "minutes": ("分钟", "minutes"),
    "follow_up_date": ("跟进日期", "follow-up date"),
    "no_answer": ("未接通", "no answer"),
    "school_year": ("学年", "school year"),
    "term": ("学期", "term"),
    "class_rank": ("班级名次", "class rank"),
    "class_size": ("班级人数", "class size"),
    "total_score": ("总分", "total score"),
    "merit_student": ("三好学生", "merit student"),
    "serious_violation": ("严重违纪", "serious violation"),
    "key": ("参数", "key"),
    "value": ("取值", "value"),
    "default": ("默认值", "default"),
    "description": ("说明", "description"),
    "candidates": ("候选", "candidates"),
    "reason": ("原因", "reason"),
    "at": ("时间（UTC）", "when (UTC)"),
    "os_user": ("系统用户", "OS user"),
    "command": ("命令", "command"),
    "table": ("表", "table"),
    "row_id": ("行编号", "row id"),
    "action": ("操作", "action"),
    "changes": ("改动（原值 → 新值）", "changes (old → new)"),
    "priority": ("重点帮扶", "priority"),
    "baseline_rank": ("基数名次", "baseline rank"),
    "rank": ("名次", "rank"),
    "rank_points": ("进步分", "rank points"),
    "keep_points": ("保持分", "keep points"),
    "conduct_points": ("守纪分", "conduct points"),
    "merit_points": ("三好分", "merit points"),
    "score": ("考核分", "score"),
    "yuan": ("奖金（元）", "yuan"),
    "award": ("奖项", "award"),
    "added": ("新增", "added"),
    "identical": ("相同", "identical"),
    "conflicts": ("冲突", "conflicts"),
    "overwritten": ("采用对方", "taken from theirs"),
}

# Message key -> (Chinese, English). str.format placeholders.
MESSAGES: dict[str, tuple[str, str]] = {
    "error": ("错误", "error"),
    "warning": ("警告", "warning"),
    "internal": (
        "内部错误({kind});加 --debug 重新运行可查看详情,数据库未作改动",
        "internal error ({kind}); rerun with --debug for details; nothing was written",
    ),
    "interrupted": ("已中断,数据库未作改动", "interrupted; nothing was written"),
    "interrupted_saved": ("已中断;中断前改动已保存", "interrupted; its change had been saved before"),
    "no_room": ("无法写出输出:{why}", "cannot write the output: {why}"),
    "os_refused": (
        "系统拒绝了对 {file} 的操作:{why};数据库未作改动",
        "the system refused {file}: {why}; nothing was written",
    ),
    "bad_date": (
        "“{value}”不是日期(可用 2026-09-01、2026/09/01、2026.09.01、2026年9月1日 或 today)",
        "'{value}' is not a date (use YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYY年MM月DD日 or today)",
    ),
    "bad_choice": ("“{value}”不是可选值;可选:{choices}", "'{value}' is not one of: {choices}"),
    "bad_int": ("“{value}”不是整数", "'{value}' is not a whole number"),
    "bad_number": ("“{value}”不是数字", "'{value}' is not a number"),
    "bad_bool": ("“{value}”不是是/否(1/0)", "'{value}' is not yes/no (1/0)"),
    "bad_phone": (
        "“{value}”不是电话号码(11 位手机号,可带 +86;或 0区号-号码 的座机)",
        "'{value}' is not a phone number (11-digit mobile, optional +86, or landline 0AREA-NUMBER)",
    ),
    "bad_id_number": (
        "“{value}”不是有效的身份证号({why})",
        "'{value}' is not a valid id number ({why})",
    ),
    "id_length": ("应为 18 位", "must be 18 characters"),
    "id_chars": ("前 17 位应为数字,末位为数字或 X", "17 digits then a digit or X"),
    "id_check": ("校验码应为 {expected}", "check digit should be {expected}"),
    "id_birth": (
        "其中的出生日期 {found} 与 --birth {birth} 不符",
        "its birth date {found} does not match --birth {birth}",
    ),
    "id_birth_column": (
        "其中的出生日期 {found} 与“{column}”列的 {birth} 不符",
        "its birth date {found} does not match {birth} in column '{column}'",
    ),
    "id_birth_bad": ("其中的出生日期无效", "its birth date is not a real date"),
    "id_gender": (
        "身份证号第 17 位表示性别为{found},与登记的性别不符,请核对",
        "the id number's 17th digit says {found}, not the gender given; please check",
    ),
    "future_date": ("{value} 晚于今天 {today}", "{value} is after today ({today})"),
    "before_birth": ("{value} 早于出生日期 {birth}", "{value} is before the birth date {birth}"),
    "too_old": (
        "{birth} 出生,到 {on} 已满 {limit} 周岁,不属于留守儿童(age_limit={limit})",
        "born {birth}, the child is {limit} or older on {on}: not a left-behind child (age_limit={limit})",
    ),
    "no_consent": (
        "未登记监护人同意日期(--consent-on):不满 14 周岁儿童的信息须经监护人同意后采集",
        "no guardian consent date (--consent-on): a child under 14's data needs the guardian's consent (PIPL §31)",
    ),
    "empty": ("不能为空", "must not be empty"),
    "too_long": ("过长(最多 {n} 个字符)", "is too long (at most {n} characters)"),
    "control_chars": ("含有控制字符", "contains control characters"),
    "not_unicode": ("含有不成对的 UTF-16 代理字符,不是有效的文字", "holds a lone UTF-16 surrogate: not valid text"),
    "out_of_range": (
        "数字超出数据库能保存的范围(编号最大为 {largest})",
        "a number is past what the database holds (the largest id is {largest})",
    ),
    "nul_text": (
        "有文本值含 NUL 字符,PostgreSQL 无法保存",
        "a text value holds a NUL character, which PostgreSQL cannot store",
    ),
    "required": ("必须填写", "is required"),
    "duplicate": (
        "已有同一儿童的档案:{who}(加 --force 仍然登记)",
        "this child is already registered: {who} (use --force to register anyway)",
    ),
    "likely_duplicate": ("可能与已有档案重复:{who}", "may duplicate an existing record: {who}"),
    "not_found": ("找不到{what}“{ref}”", "no {what} '{ref}'"),
    "ambiguous": (
        "“{ref}”对应多个{what},请用编号指定:",
        "'{ref}' matches several {what}; give the id instead:",
    ),
    "not_found_close": ("找不到{what}“{ref}”；是不是：{matches}？", 'no {what} "{ref}"; did you mean: {matches}?'),
    "away_at_home": (
        "监护人“{relation}”是在家的一方，不能又是外出的一方（--away {away}）；请改 --away 或 --guardian-relation",
        "the guardian {relation} is the parent at home, not the one away (--away {away}); change --away or "
        "--guardian-relation",
    ),
    "exit_before_contact": (
        "儿童 {id} 在 {date} 之后还有联系记录（编号 {contact}，{day}）：退出后不能有联系；"
        "请把退出日期定在那天或之后，或先用 lbc contact edit/delete 改正那条记录",
        "child {id} has a contact after {date} (id {contact}, {day}): none can follow its exit; exit on that day or"
        " later, or correct that contact first with lbc contact edit/delete",
    ),
    "exit_before_pairing": (
        "儿童 {id} 的结对 {pairing} 自 {start} 起，晚于退出日期 {date}；请先用 lbc pair update/delete 改正该结对",
        "child {id}'s pairing {pairing} began on {start}, after the exit date {date}; correct it first with"
        " lbc pair update/delete",
    ),
    "already_inactive": (
        "帮扶人 {name}（编号 {id}）自 {date} 起已不在岗；要改日期，请先 lbc helper update {id} --active，"
        "再重新 --inactive --date",
        "helper {name} (id {id}) is inactive from {date} already; to change that day, run lbc helper update {id}"
        " --active first, then --inactive --date again",
    ),
    "purged_not_updated": (
        "儿童 {id} 的个人信息已按要求删除，不能再修改；若孩子又需要帮扶，请重新建档（lbc enroll）",
        "child {id}'s personal data was erased (purged) and cannot be changed; if the child needs care again,"
        " enrol it anew (lbc enroll)",
    ),
    "reenter_too_old": (
        "儿童 {id} 在 {date} 已满 {limit} 岁，不能再回到项目",
        "child {id} is {limit} or older on {date} and cannot come back into the programme",
    ),
    "reenter_over_contact": (
        "儿童 {id} 离开期间有联系记录（编号 {contact}，{day}）：回归日期 {date} 会把它留在项目之外；"
        "请把回归日期定在那天或之前，或先用 lbc contact edit/delete 改正那条记录",
        "child {id} has a contact while out (id {contact}, {day}): a return on {date} would leave it outside the"
        " programme; come back on that day or earlier, or correct that contact first with lbc contact edit/delete",
    ),
    "time_out_has_contact": (
        "儿童 {id} 在这段离开期间有联系记录（编号 {contact}，{date}）；请先改正那条记录",
        "child {id} has a contact inside this time out (id {contact}, {date}); correct that contact first",
    ),
    "name_and_id": ("{name}（{id}）", "{name} ({id})"),
    "list_sep": ("、", ", "),
    "village_not_found_prefix": (
        "找不到村“{ref}”：登记中没有这个村，也没有以它开头的村名",
        'no village "{ref}" is in the register, nor one whose name starts with it',
    ),
    "village_not_found_close": ("找不到村“{ref}”；是不是：{matches}？", 'no village "{ref}"; did you mean: {matches}?'),
    "village_new_near": (
        "“{village}”是新的村名；已有只差一个字的村：{matches}（请核对是否写错）",
        '"{village}" is a new village; villages one character apart: {matches} (check it is not a typo)',
    ),
    "what_child": ("儿童", "child"),
    "what_children": ("儿童", "children"),
    "what_helper": ("帮扶人", "helper"),
    "what_helpers": ("帮扶人", "helpers"),
    "what_contacts": ("联系记录", "contact"),
    "what_exams": ("考试记录", "exam record"),
    "what_pairings": ("结对", "pairing"),
    # ---- corrections (SPEC section 10)
    "bad_row_id": (
        "“{value}”不是编号（编号是正整数，见各 list 命令的 id 列）",
        "'{value}' is not an id (ids are whole numbers: see the id column of the list commands)",
    ),
    "row_unknown": ("没有编号为 {id} 的{what}（未作改动）", "no {what} {id} (nothing was changed)"),
    "nothing_to_correct": ("没有给出要更正的内容（见 --help）", "nothing to correct was given (see --help)"),
    "nothing_changed": ("{what} {id} 已是这些值，未作改动", "{what} {id} already holds these values; nothing changed"),
    "corrected": ("已更正{what} {id}：{fields}", "corrected {what} {id}: {fields}"),
    "deleted_rows": (
        "已删除{what} {ids}（原值留在审计日志中）",
        "deleted {what} {ids} (their values stay in the audit log)",
    ),
    "delete_confirm": (
        "将删除{what} {ids}（原值留在审计日志中）。继续吗？",
        "delete {what} {ids} (their values stay in the audit log)?",
    ),
    "helper_inactive_mark": ("（不在岗）", " (inactive)"),
    "helper_delete_refused": (
        "帮扶人{name}（{id}）有 {pairings} 个结对、{contacts} 条联系记录，不能删除：请先用 lbc pair delete "
        "删除误建的结对、lbc contact edit --helper 改正联系记录，或改用 lbc helper update {id} --inactive",
        "helper {name} ({id}) has {pairings} pairing(s) and {contacts} contact(s) and cannot be deleted: first "
        "lbc pair delete the pairings made by mistake and lbc contact edit --helper the contacts, or use "
        "lbc helper update {id} --inactive",
    ),
    "delete_needs_yes": ("删除需要确认：请加 --yes", "deleting needs confirmation: add --yes"),
    "pairing_overlaps": (
        "这样 {child} 与 {helper} 的结对会与另一个结对（编号 {id}，自 {start} 起）重叠；请先更正或删除那一个",
        "{child} and {helper} would then be paired twice at once (pairing {id}, since {start}); correct or delete "
        "that one first",
    ),
    "restore_confirm": (
        "将用 {file} 的内容替换数据库 {target}（替换前先备份当前数据库）。继续吗？",
        "replace the database {target} with the contents of {file} (the current database is backed up first)?",
    ),
    "restore_needs_yes": (
        "恢复备份会替换当前数据库，需要确认：请加 --yes",
        "restoring replaces the current database and needs confirmation: add --yes",
    ),
    "restore_not_lbc": (
        "{file} 不是 lbc 的备份（当前数据库未改动）",
        "{file} is not an lbc backup (the current database was left untouched)",
    ),
    "restore_missing": (
        "找不到 {file}（当前数据库未改动）",
        "{file} does not exist (the current database was left untouched)",
    ),
    "restore_damaged": (
        "{file} 已损坏：{why}（当前数据库未改动）",
        "{file} is damaged: {why} (the current database was left untouched)",
    ),
    "restore_newer": (
        "{file} 的数据库版本 {found} 比本程序支持的 {supported} 新；请先升级 lbc（当前数据库未改动）",
        "{file} has schema version {found}, newer than this lbc supports ({supported}); upgrade lbc first (the "
        "current database was left untouched)",
    ),
    "restore_is_database": ("{file} 就是当前数据库", "{file} is the current database itself"),
    "restore_no_pg_restore": (
        "找不到 pg_restore：请安装 PostgreSQL 客户端程序（当前数据库未改动）",
        "pg_restore was not found: install the PostgreSQL client programs (the current database was left untouched)",
    ),
    "restore_failed": (
        "恢复失败：{why}（当前数据库未改动）",
        "the restore failed: {why} (the current database was left untouched)",
    ),
    "restore_unsupported": (
        "只能恢复到 SQLite 文件或 PostgreSQL 数据库",
        "lbc restores into SQLite files and PostgreSQL databases only",
    ),
    "cannot_read": (
        "无法读取 {file}：{why}（当前数据库未改动）",
        "cannot read {file}: {why} (the current database was left untouched)",
    ),
    "restore_backed_up": ("当前数据库已先备份到 {file}", "the current database was first backed up to {file}"),
    "restored": ("已用 {file} 恢复数据库 {target}", "restored the database {target} from {file}"),
    "no_db": (
        "数据库 {target} 不存在;先运行 lbc init(或用 --db 指定)",
        "no database at {target}; run lbc init first (or give --db)",
    ),
    "not_a_db": (
        "{target} 不是 lbc 数据库(文件未改动)",
        "{target} is not an lbc database (the file was left untouched)",
    ),
    "db_unavailable": (
        "无法打开数据库 {target}:{why}",
        "cannot open the database {target}: {why}",
    ),
    "db_locked": (
        "数据库正忙(另一个 lbc 正在写入),等待超时;请稍后重试",
        "the database is busy (another lbc is writing) and the wait timed out; try again shortly",
    ),
    "db_newer": (
        "数据库版本 {found} 比本程序支持的 {supported} 新;请升级 lbc(文件未改动)",
        "the database has schema version {found}, newer than this lbc supports ({supported}); "
        "upgrade lbc (the file was left untouched)",
    ),
    "db_upgraded": (
        "数据库已从版本 {old} 升级到 {new};升级前的备份:{backup}",
        "upgraded the database from schema {old} to {new}; backup before the upgrade: {backup}",
    ),
    "db_created": ("已创建数据库 {target}", "created the database {target}"),
    "db_ready": ("数据库 {target} 已是最新版本 {version}", "the database {target} is up to date (schema {version})"),
    "db_tightened": (
        "{target} 的权限过宽,已改为仅本人可读写(0600)",
        "{target}: readable by others; now mode 0600 (owner only)",
    ),
    "example_loaded": (
        "已载入示例数据:{children} 名儿童、{helpers} 名帮扶人、{pairs} 个结对、{contacts} 条联系记录、{exams} 条成绩",
        "loaded the example: {children} children, {helpers} helpers, {pairs} pairings, {contacts} contacts, "
        "{exams} exam records",
    ),
    "example_not_empty": (
        "数据库中已有数据,示例数据只能载入空数据库",
        "the database already holds records; the example loads only into an empty database",
    ),
    "backup_done": ("已备份到 {file}", "backed up to {file}"),
    "backup_exists": ("{file} 已存在,不会覆盖", "{file} already exists; it is not overwritten"),
    "backup_pg": (
        "找不到 pg_dump:备份 PostgreSQL 数据库需要安装 PostgreSQL 客户端工具(如 postgresql-client)",
        "pg_dump was not found: backing up a PostgreSQL database needs the PostgreSQL client tools "
        "(e.g. postgresql-client)",
    ),
    "backup_failed": ("pg_dump 备份失败:{why}", "pg_dump could not back up the database: {why}"),
    "backup_unsupported": (
        "只能备份 SQLite 文件或 PostgreSQL 数据库",
        "lbc backs up SQLite files and PostgreSQL databases only",
    ),
    "upgrade_no_backup": (
        "找不到 pg_dump,升级前未备份;升级在一个事务中完成,失败时数据库保持原样",
        "pg_dump was not found, so no backup was taken before the upgrade; the upgrade is one "
        "transaction and leaves the database as it was if it fails",
    ),
    "check_ok": ("数据库完好:完整性与外键检查均通过", "the database is sound: integrity and foreign keys check out"),
    "check_bad_value": (
        "表 {table} 第 {row} 行的 {column} 不是这一列能有的值(是别的程序写入的),请改正这一行",
        "{table} row {row}: {column} holds what the column cannot (another program wrote it); correct the row",
    ),
    "db_bad_value": (
        "数据库 {target} 里有 lbc 读不懂的值(是别的程序写入的);lbc --db {target} db check 会列出是哪些行",
        "the database {target} holds a value lbc cannot read (another program wrote it); "
        "lbc --db {target} db check names the rows",
    ),
    "check_not_utf8": (
        "表 {table} 第 {row} 行的 {column} 不是有效的 UTF-8 文字(是别的程序写入的),请改正或删除这一行",
        "{table} row {row}: {column} is not UTF-8 text (another program wrote it); correct or delete the row",
    ),
    "db_not_utf8": (
        "数据库 {target} 的 {column} 列里有不是 UTF-8 的文字(是别的程序写入的);lbc --db {target} db check 会列出这些行",
        "the database {target} holds text that is not UTF-8 in column {column} (another program wrote it); "
        "lbc --db {target} db check names the rows",
    ),
    "db_read_only": (
        "数据库 {target} 只读(文件、所在文件夹或磁盘不可写),lbc 无法写入",
        "the database {target} is read-only (the file, its folder or the disk): lbc cannot write to it",
    ),
    "db_io": ("无法读写数据库 {target}:{why}", "cannot read or write the database {target}: {why}"),
    "check_failed": ("数据库检查发现问题:", "the database check found problems:"),
    # ---- the database file: damage, a full disk, the erasure of a purge's bytes (SPEC sections 2, 8, 10) ----
    "db_damaged": (
        "数据库 {target} 已损坏：{why}；未作改动，运行“lbc db check”查看如何恢复",
        "the database {target} is damaged: {why}; nothing was written; run lbc db check for what to do",
    ),
    "check_damaged": (
        "数据库文件 {target} 已损坏：{why}。请用备份恢复:在没有 lbc 运行时,把 “lbc db backup” 生成的备份文件"
        "(默认在数据库旁的 backups 目录)复制过来覆盖它,并删除旁边的 -wal 和 -shm 文件",
        "the database file {target} is damaged: {why}; restore a backup: with no lbc running, copy a file"
        " lbc db backup made (by default in the backups folder beside the database) over it and delete the -wal"
        " and -shm files beside it",
    ),
    "check_last_contacts": (
        "“最近联系”汇总表（每名儿童各类最近一次联系）中有 {n} 名儿童与联系记录不符；"
        "lbc db check --repair 可据联系记录重新生成该表",
        "the table of last contacts (each child's last contact of each kind) differs from the contacts for {n}"
        " children;"
        " lbc db check --repair works the table out again from the contacts",
    ),
    "check_repaired": (
        "已据联系记录重新生成“最近联系”汇总表",
        "worked the table of last contacts out again from the contacts",
    ),
    "check_erasure_pending": (
        "删除个人信息(lbc child purge)后的抹除尚未完成:旧数据仍在文件中;另一个程序不再读取数据库后,"
        "下一条 lbc 命令就会抹除",
        "a purge's erasure is pending: a purged child's old values are still in the file; the next lbc command"
        " erases them once no other program is reading the database",
    ),
    "erase_waiting": (
        "已删除的个人信息仍留在数据库文件中({why});下一条 lbc 命令会完成抹除(“lbc db check” 可查看是否完成)",
        "the erased values are still in the database file ({why}); the next lbc command finishes erasing them"
        " (lbc db check says whether it is done)",
    ),
    "erase_reader": (
        "另一个程序一直在读取数据库,超过了等待时间",
        "another program kept reading the database past the busy timeout",
    ),
    "erase_no_room": (
        "磁盘空间不足:重写数据库文件需要约两倍于它的空闲空间",
        "not enough free disk space: rewriting the database file needs about twice its size free",
    ),
    "erase_vacuum_failed": (
        "未能清理(VACUUM)服务器上涉及的表({why});请数据库管理员运行 VACUUM {tables}",
        "could not vacuum the touched tables on the server ({why}); ask its administrator to run VACUUM {tables}",
    ),
    "purge_copies": (
        "注意:此前做的备份(“lbc db backup” 和升级前的自动备份)中仍有该儿童的信息,请按规定删除",
        "note: backups made before (lbc db backup, the copies taken before an upgrade) still hold the child's"
        " data: delete them as your rules say",
    ),
    "purge_copies_pg": (
        "注意:服务器此前的备份和 WAL 归档中仍有该儿童的旧数据,请按规定删除",
        "note: the server's backups and WAL archives made before still hold the child's old values: delete them"
        " as your rules say",
    ),
    "disk_full": (
        "磁盘已满,数据库 {target} 无法写入;未作任何改动(腾出空间后重试)",
        "the disk is full: the database {target} cannot grow; nothing was written (free some space and try again)",
    ),
    "backup_disk_full": (
        "磁盘已满,备份 {file} 写不下;没有留下文件(腾出空间后重试)",
        "the disk is full: the backup {file} did not fit; no file was left (free some space and try again)",
    ),
    "updated": ("已更新 {what} {id}:{fields}", "updated {what} {id}: {fields}"),
    "nothing_to_update": ("没有要修改的字段", "nothing to change: give at least one field option"),
    "exited": ("{name}(编号 {id})已于 {date} 退出关爱名单", "{name} (id {id}) left the programme on {date}"),
    "pairings_ended": ("其 {n} 个结对随之结束", "its {n} pairings ended with it"),
    "exit_fields_needed": ("已退出儿童的 {field} 不能清空", "an exited child's {field} cannot be emptied"),
    "already_exited": ("编号 {id} 已于 {date} 退出", "id {id} already left on {date}"),
    "review_before_enrol": (
        "核查日期 {date} 早于建档日期 {enrolled}",
        "review date {date} is before enrolment on {enrolled}",
    ),
    "reviewed": ("已记录核查:编号 {id},{date}", "recorded the review of id {id} on {date}"),
    "exit_before_enrol": (
        "退出日期 {date} 早于建档日期 {enrolled}",
        "exit date {date} is before enrolment on {enrolled}",
    ),
    "exit_before_return": (
        "退出日期 {date} 早于上次回归日期 {back}",
        "exit date {date} is before the child's return on {back}",
    ),
    "no_duplicates": ("没有发现疑似重复的档案", "no likely duplicates found"),
    "config_unknown": ("没有参数“{key}”;可用:lbc config list", "no setting '{key}'; see lbc config list"),
    "config_min": ("应不小于 {min}", "must be at least {min}"),
    "config_max": ("应不大于 {max}", "must be at most {max}"),
    "config_set": ("{key} = {value}", "{key} = {value}"),
    "exported": ("已导出 {n} 行到 {file}", "exported {n} rows to {file}"),
    "export_unknown": ("不能导出“{table}”;可选:{choices}", "cannot export '{table}'; choose from: {choices}"),
    "no_such_option": ("没有选项 {option}", "no such option {option}"),
    "did_you_mean": ("(是不是 {options}?)", " (did you mean {options}?)"),
    "missing_param": ("缺少 {name}", "missing {name}"),
    "bad_param": ("{name} 的值无效:{why}", "bad value for {name}: {why}"),
    "no_such_command": ("没有命令“{name}”", "no such command '{name}'"),
    "see_help": ("见 {command} --help", "see {command} --help"),
    "bad_lang": ("“{value}”不是可选语言;可选:zh, en", "'{value}' is not a language lbc speaks: zh or en"),
    "cannot_write": ("无法写入 {file}:{why}", "cannot write {file}: {why}"),
    "out_is_database": (
        "{file} 是正在使用的数据库(或它的日志文件),不能写入导出内容;请换一个文件名",
        "{file} is the database in use (or one of its journal files): choose another file to write to",
    ),
    "backup_needs_file": (
        "“{file}”不是备份文件名;请给出一个新文件的路径(或不给,默认存到数据库旁的 backups 目录)",
        "'{file}' is no backup file name: name a new file (or none: the backups folder beside the database)",
    ),
    "not_a_file": ("不是普通文件、设备或管道", "not a regular file, a device or a pipe"),
    "not_utf8_argument": (
        "不是 UTF-8 文字(终端可能在用 GBK 编码);请把终端设为 UTF-8 后重新输入",
        "not UTF-8 text (the terminal may be set to GBK); set it to UTF-8 and type it again",
    ),
    "bad_db_url": (
        "--db:“{target}”不是数据库地址(SQLite 文件路径,或 postgresql://用户@主机/库名)",
        "--db: '{target}' is not a database target (a SQLite file path, or postgresql://USER@HOST/DBNAME)",
    ),
    "db_url_raw_at": (
        "--db：网址的用户名、密码或参数中的 @ 要写成 %40（密码中的 / 写成 %2F，# 写成 %23，问号写成 %3F），"
        "例如 p%40ss；这个地址未被使用",
        "--db: an @ in the URL's user, password or parameters (and a /, ? or # in its password) is written %40 (%2F,"
        " %3F, %23), e.g. p%40ss; the address was not used",
    ),
    "db_url_option": (
        "--db：“{target}”中的连接参数“{name}”不存在（PostgreSQL 不认识它）",
        "--db: '{target}' has a connection parameter '{name}' PostgreSQL does not know",
    ),
    "stdin_closed": (
        "标准输入已关闭,没有可读的内容;请给出文件名,或用管道送入数据",
        "standard input is closed: nothing to read; name a file, or pipe the data in",
    ),
    "db_backend": (
        "--db:“{target}”不是 lbc 能用的数据库;lbc 用 SQLite 文件,或 PostgreSQL(postgresql://用户@主机/库名)",
        "--db: '{target}' is no database lbc works with: a SQLite file, or PostgreSQL (postgresql://USER@HOST/DBNAME)",
    ),
    "bad_busy_timeout": (
        "环境变量 LBC_BUSY_TIMEOUT 的值“{value}”不是 0 到 3600 之间的秒数",
        "LBC_BUSY_TIMEOUT '{value}' is not a number of seconds from 0 to 3600",
    ),
    "db_empty_target": ("--db 不能为空:请给出数据库文件路径或地址", "--db is empty: name a database file or URL"),
    "argument_n": ("第 {n} 个参数", "argument {n}"),
    "out_extension": (
        "“{file}”的扩展名不是这条命令能写的格式;可写:{choices}(或用 --format 指定)",
        "'{file}': this command cannot write what that extension names; it writes {choices} (or say --format)",
    ),
    "out_format_clash": (
        "“{file}”的扩展名表示 {named}，与 --format {format} 不符；请改用 .{format} 文件名，或去掉 --format",
        "'{file}' is named as {named} but --format says {format}: name it .{format}, or leave out --format",
    ),
    "labels_or_slugs": (
        "不能与 --slugs 同时使用（前者写中文表头和名称，后者写列名和代码）",
        "not with --slugs: the one writes headers and values for people, the other column names and codes",
    ),
    "form_no_slugs": (
        "登记表（--layout registration-form）的表头和内容总是中文，不能加 --slugs",
        "the registration form (--layout registration-form) is in Chinese, headers and values: --slugs does not apply",
    ),
    "payee_header": ("发放对象", "paid to"),
    "bom_csv_only": (
        "只用于 CSV（给 Excel/WPS 打开）；{format} 格式不加 BOM",
        "for CSV only (for Excel/WPS); {format} never starts with a BOM",
    ),
    "db_empty": ("{target} 是空文件;先运行 lbc init", "{target} is an empty file; run lbc init first"),
    "db_is_dir": ("{target} 是一个文件夹,不是数据库文件", "{target} is a folder, not a database file"),
    "db_driver": (
        "缺少数据库驱动 {module};要连 PostgreSQL,请装入 lbc 所在的环境:{python} -m pip install 'psycopg[binary]>=3.1'"
        "(或在 lbc 的源码目录里 pip install '.[postgres]')",
        "the database driver {module} is not installed; for PostgreSQL, install it where lbc is installed: "
        "{python} -m pip install 'psycopg[binary]>=3.1' (or, in lbc's source folder, pip install '.[postgres]')",
    ),
    "paired": ("{child} 与 {helper} 结对,自 {date} 起", "paired {child} with {helper} from {date}"),
    "already_paired": (
        "{child} 与 {helper} 已在结对中(自 {date} 起)",
        "{child} is already paired with {helper} (since {date})",
    ),
    "pair_exited": ("{name} 已于 {date} 退出关爱名单,不能结对", "{name} left the programme on {date}: not paired"),
    "not_paired": ("{child} 与 {helper} 没有进行中的结对", "{child} and {helper} have no pairing in force"),
    "pair_ended": ("{child} 与 {helper} 的结对于 {date} 结束", "ended the pairing of {child} and {helper} on {date}"),
    "end_before_start": ("结束日期 {date} 早于开始日期 {start}", "end date {date} is before the start {start}"),
    "class_format": (
        "应写作 学校/年级/班级 或 学校/班级，如 镇中心小学/5/3班",
        "use SCHOOL/GRADE/CLASS or SCHOOL/CLASS, e.g. 镇中心小学/5/3班",
    ),
    "bad_grade": (
        "“{value}”不是年级；写 1–12（小学 1–6，初中 7–9，高中 10–12），或 五年级、初二、高一",
        "'{value}' is not a grade: give 1–12 (primary 1–6, junior 7–9, senior 10–12), or 五年级, 初二, 高一",
    ),
    "class_grades": (
        "{school} 的“{class_name}”有几个年级的学生：{grades}；请指定年级，如 --class {school}/{grade}/{class_name}",
        '{school}\'s "{class_name}" has pupils of several grades: {grades}; give the grade, e.g. '
        "--class {school}/{grade}/{class_name}",
    ),
    "grade_class": ("{grade}年级{class_name}", "grade {grade} {class_name}"),
    "class_empty": ("{school} {class_name} 没有在册儿童", "{school} {class_name} has no active children"),
    "class_paired": (
        "{helper} 与 {school} {class_name} 的 {n} 名儿童结对;{skipped} 名原已结对",
        "paired {helper} with {n} children of {school} {class_name}; {skipped} were already paired",
    ),
    "not_class_teacher": ("{helper} 的角色不是班主任", "{helper}'s role is not class-teacher"),
    "no_children_given": (
        "请给出儿童(编号或姓名),或用 --village / --helper 选定一批儿童",
        "name the children (ids or names), or pick them with --village or --helper",
    ),
    "no_children_found": ("没有符合条件的在册儿童", "no active children match"),
    "contact_after_exit": (
        "儿童 {name}（编号 {id}）已于 {exit} 离开项目，{date} 不在项目中；请改用 {exit} 或之前的日期，"
        "或先记下回归：lbc child reenter {id} --date 日期",
        "child {name} (id {id}) left the programme after {exit}: {date} is outside it; use {exit} or an earlier date, "
        "or record its return first: lbc child reenter {id} --date DATE",
    ),
    "contact_before_enrol": (
        "儿童 {name}（编号 {id}）于 {enrolled} 建档，{date} 还不在项目中；请改用 {enrolled} 或之后的日期",
        "child {name} (id {id}) was enrolled on {enrolled}: {date} is before its time in the programme; "
        "use {enrolled} or a later date",
    ),
    "contact_in_time_out": (
        "儿童 {name}（编号 {id}）在 {exit} 之后离开项目、{back} 回归，{date} 不在项目中；"
        "请改用 {exit} 或之前、{back} 或之后的日期",
        "child {name} (id {id}) was out of the programme after {exit} until {back}: {date} is outside its time "
        "in it; use {exit} or earlier, or {back} or later",
    ),
    "helper_named": ("{name}（编号 {id}）", "{name} (id {id})"),
    "helper_id_only": ("编号 {id} ", "id {id}"),
    "pair_helper_inactive": (
        "帮扶人 {who}自 {date} 起不在岗，这个结对会在其不在岗的日子仍然有效；请让结对在 {date} 或之前结束"
        "（lbc pair end … --date {date}，或 lbc pair update 结对编号 --until {date}），如已回岗，"
        "请先运行 lbc helper update {id} --active",
        "helper {who} is inactive from {date}: the pairing would still be in force on days the helper is not "
        "in post; end it on or before {date} (lbc pair end … --date {date}, or lbc pair update PAIRING_ID "
        "--until {date}), or if the helper is back, first run: lbc helper update {id} --active",
    ),
    "pair_starts_inactive": (
        "帮扶人 {who}自 {date} 起不在岗，从 {start} 开始的结对全在其不在岗的日子里；请给 {date} 之前的开始日期，"
        "如已回岗，请先运行 lbc helper update {id} --active",
        "helper {who} is inactive from {date}: a pairing from {start} would lie wholly in the days the helper is "
        "not in post; give a start before {date}, or if the helper is back, first run: lbc helper update {id} --active",
    ),
    "pair_helper_inactive_undated": (
        "帮扶人 {who}已不在岗，不能结对；如已回岗，请先运行 lbc helper update {id} --active",
        "helper {who} is inactive: not paired; if the helper is back, first run: lbc helper update {id} --active",
    ),
    "pair_before_enrol": (
        "儿童 {name}（编号 {id}）于 {enrolled} 建档，结对不能从更早的 {date} 开始；请改用 {enrolled} 或之后的日期",
        "child {name} (id {id}) was enrolled on {enrolled}: a pairing cannot start earlier, on {date}; "
        "use {enrolled} or a later date",
    ),
    "pair_in_time_out": (
        "儿童 {name}（编号 {id}）在 {exit} 之后离开项目、{back} 回归，结对不能在这段时间有效；"
        "结对须在 {exit} 或之前结束，回归后请另行结对：lbc pair {id} 帮扶人 --since {back}",
        "child {name} (id {id}) was out of the programme after {exit} until {back}: no pairing is in force "
        "then; end it on {exit} or earlier, and pair the child anew after its return: "
        "lbc pair {id} HELPER --since {back}",
    ),
    "pair_after_exit": (
        "儿童 {name}（编号 {id}）已于 {exit} 离开项目，结对须在 {exit} 或之前结束；"
        "如孩子已回归，请先记下：lbc child reenter {id} --date 日期，再另行结对",
        "child {name} (id {id}) left the programme after {exit}: a pairing ends on {exit} or earlier; "
        "if the child is back, record it first (lbc child reenter {id} --date DATE), then pair it anew",
    ),
    "reenter_purged": (
        "儿童 {id} 的记录已被清除（purge），个人信息已删除，不能回归；如孩子回到项目，请重新建档：lbc enroll",
        "child {id}'s record was erased (purged): it cannot come back; if the child returns, enrol it anew: lbc enroll",
    ),
    "enrol_after_contact": (
        "儿童 {name}（编号 {id}）的联系记录 {rid}（{date}）早于新的建档日期 {enrolled}；"
        "请先改正或删除它：lbc contact edit {rid} --date 日期，或 lbc contact delete {rid}",
        "child {name} (id {id}) has contact {rid} on {date}, before the new enrolment date {enrolled}; "
        "correct or delete it first: lbc contact edit {rid} --date DATE, or lbc contact delete {rid}",
    ),
    "enrol_after_pairing": (
        "儿童 {name}（编号 {id}）的结对 {rid}（自 {date}）早于新的建档日期 {enrolled}；"
        "请先改正或删除它：lbc pair update {rid} --since 日期，或 lbc pair delete {rid}",
        "child {name} (id {id}) has pairing {rid} from {date}, before the new enrolment date {enrolled}; "
        "correct or delete it first: lbc pair update {rid} --since DATE, or lbc pair delete {rid}",
    ),
    "enrol_after_exit": (
        "儿童 {name}（编号 {id}）的退出记录 {rid}（{date} 退出）早于新的建档日期 {enrolled}；"
        "建档日期须在 {date} 或之前",
        "child {name} (id {id}) has exit {rid} on {date}, before the new enrolment date {enrolled}; "
        "the enrolment date must be {date} or earlier",
    ),
    "inactive_before_pairing": (
        "帮扶人 {name}（编号 {id}）的结对 {rid} 从 {start} 开始，不早于不在岗日期 {date}；"
        "请先运行 lbc pair update {rid} --since 日期（早于 {date}），或 lbc pair delete {rid}",
        "helper {name} (id {id}) has pairing {rid} starting on {start}, on or after the inactive date {date}; "
        "first run lbc pair update {rid} --since DATE (before {date}), or lbc pair delete {rid}",
    ),
    "not_exited": (
        "儿童 {id} 在项目中，没有可撤销的退出；回归只用于已退出的儿童",
        "child {id} is in the programme: there is no exit to undo; reenter is for a child who left",
    ),
    "reenter_before_exit": (
        "儿童 {id} 于 {exit} 退出，回归日期 {date} 早于退出日期；请给 {exit}（撤销误记的退出）或之后的日期",
        "child {id} left after {exit}: the return {date} is before that; give {exit} (to undo an exit "
        "recorded by mistake) or a later date",
    ),
    "exit_undone": (
        "已撤销 {name}（编号 {id}）于 {date} 的退出，仍在项目中",
        "undid the exit of {name} (id {id}) on {date}: the child never left",
    ),
    "reentered": (
        "{name}（编号 {id}）于 {date} 回归项目；{exit} 之后至回归前不计入项目",
        "{name} (id {id}) is back in the programme on {date}; the time after {exit} until then is out of it",
    ),
    "pairings_reopened": ("其 {n} 个随退出结束的结对恢复", "its {n} pairings ended by the exit are in force again"),
    "reenter_unpaired": (
        "该儿童目前没有帮扶人；请用 lbc pair 结对",
        "the child has no helper now: pair it with lbc pair",
    ),
    "helper_inactive_set": (
        "帮扶人 {name}（编号 {id}）自 {date} 起不在岗",
        "helper {name} (id {id}) is inactive from {date}",
    ),
    "helper_active_set": ("帮扶人 {name}（编号 {id}）恢复在岗", "helper {name} (id {id}) is active again"),
    "helper_pairings_ended": (
        "{date} 结束的结对（{n} 个），这些儿童需要重新结对：{children}",
        "pairings ended on {date} ({n}); these children need another helper: {children}",
    ),
    "inactive_date_alone": (
        "只与 --inactive 一起用",
        "goes with --inactive only",
    ),
    "inactive_but_active": (
        "有离岗日期 {date} 的帮扶人，在岗应为否",
        "a helper inactive from {date} cannot be active: give active false",
    ),
    "exit_open_twice": (
        "儿童 {id} 已有未回归的退出记录；一名儿童同时只能有一条",
        "child {id} already has an exit it has not come back from: one at a time",
    ),
    "exit_disagrees": (
        "儿童 {id} 的档案{state}，与这条未回归的退出记录（{exit}）不符；请先导入儿童档案，或给出回归日期",
        "child {id} is {state} in its record, which this open exit ({exit}) contradicts; "
        "import the child's record first, or give the re-entry date",
    ),
    "exit_state_active": ("在册", "active"),
    "exit_state_exited": ("于 {date} 退出", "exited on {date}"),
    "exit_overlaps": (
        "儿童 {id} 的离开期间与另一条退出记录（{exit} 离开）重叠",
        "child {id}: this time out overlaps another ({exit})",
    ),
    "exit_before_enrolment": (
        "儿童 {id} 于 {enrolled} 建档，退出日期 {date} 早于建档",
        "child {id} was enrolled on {enrolled}: exit date {date} is before that",
    ),
    "reentered_not_after": (
        "回归日期 {back} 应晚于退出日期 {exit}",
        "re-entry {back} must be after the exit {exit}",
    ),
    "reentered_after_exit_now": (
        "儿童 {id} 于 {exit} 再次退出，回归日期 {back} 不能晚于此",
        "child {id} left again after {exit}: the re-entry {back} cannot be later",
    ),
    "contact_before_birth": ("{date} 早于 {name} 的出生日期", "{date} is before {name} was born"),
    "follow_up_before": (
        "跟进日期 {follow} 早于联系日期 {date}",
        "follow-up {follow} is before the contact date {date}",
    ),
    "logged": ("已记录 {n} 条联系", "logged {n} contacts"),
    "mandatory_report_note": (
        "强制报告:儿童独居或失踪须立即报告公安机关和乡镇政府",
        "mandatory report: a child living alone or missing must be reported to the police and township at once",
    ),
    "schedule_added": ("已添加 {month} 月工作安排", "added to the plan for month {month}"),
    "schedule_removed": ("已删除工作安排 {id}", "removed schedule item {id}"),
    "schedule_unknown": ("没有编号为 {id} 的工作安排", "no schedule item {id}"),
    "remind_none": ("截至 {date},没有到期的关爱工作", "nothing is due as of {date}"),
    "remind_title": ("关爱工作提醒({date})", "Care work due ({date})"),
    "remind_helper_id_role": ("{name}（{id}，{role}）", "{name}({id}, {role})"),
    "remind_helper_id": ("{name}（{id}）", "{name}({id})"),
    "remind_helper_role": ("{name}（{role}）", "{name}({role})"),
    "remind_unpaired": ("尚未结对的儿童", "Children with no helper"),
    "remind_schedule": ("本月工作安排", "This month's plan"),
    "remind_overdue": ("已逾期 {n} 天", "{n} days overdue"),
    "remind_overdue_1": ("已逾期 1 天", "1 day overdue"),
    "remind_upcoming_1": ("1 天后到期", "due tomorrow"),
    "remind_today": ("今天到期", "due today"),
    "remind_upcoming": ("{n} 天后到期", "due in {n} days"),
    "remind_items": ("共 {n} 项", "{n} items"),
    "bad_term": ("学期应为 1 或 2,不是 {value}", "the term is 1 or 2, not {value}"),
    "rank_over_size": ("名次 {rank} 大于班级人数 {size}", "rank {rank} is larger than the class ({size})"),
    "exam_of_child": ("儿童（编号 {id}）：", "child {id}: "),
    "exam_not_sat": (
        "{who}{year}–{next} 学年第 {term} 学期的期末考试最早 {first} 才能考完，现在还不能记录名次；"
        "请在 {first} 以后再记",
        "{who}the final exam of term {term} of school year {year}-{next} cannot have been sat before {first}:"
        " record its rank from {first} on",
    ),
    "aged_out_early": (
        "{who}{date} 时儿童还未满 {limit} 周岁（满 {limit} 周岁在 {reached}），不能以“年满退出”退出；"
        "请选择其他退出原因，或在 {reached} 以后再退出",
        "{who}on {date} the child is not yet {limit} (it turns {limit} on {reached}): it cannot leave as aged out;"
        " give another reason, or let it leave on or after {reached}",
    ),
    "aged_out_early_year": (
        "{who}{date} 时儿童还未满 {limit} 周岁（只知道出生年份 {born}：满 {limit} 周岁不早于 {year} 年），"
        "不能以“年满退出”退出；请选择其他退出原因",
        "{who}on {date} the child is not yet {limit} (only its birth year {born} is known: it turns {limit} in"
        " {year} at the earliest): it cannot leave as aged out; give another reason",
    ),
    "helper_twin": (
        "帮扶人 {name}（编号 {id}，电话 {phone}）已登记，姓名和电话都相同；确是另一人时加 --force",
        "helper {name} (id {id}, phone {phone}) is already registered with the same name and phone;"
        " add --force if this is another person",
    ),
    "helper_namesake": (
        "已有同名帮扶人 {name}（编号 {id}），无法用电话区分；若是同一人，请改用该编号",
        "a helper of the same name is registered: {name} (id {id}), with no phone to tell them apart;"
        " if it is the same person, use that id",
    ),
    "bad_school_year": (
        "学年 {year} 不在 {low}–{high} 之间(学年从 9 月 1 日算起)",
        "school year {year} is not between {low} and {high} (a school year starts on 1 September)",
    ),
    "exam_exists": (
        "{name} 的 {year} 学年第 {term} 学期已有名次 {rank}(加 --replace 替换)",
        "{name} already has rank {rank} for {year} term {term} (use --replace to replace it)",
    ),
    "exam_saved": (
        "已记录 {name} {year} 学年第 {term} 学期名次 {rank}",
        "recorded {name}: {year} term {term}, rank {rank}",
    ),
    "score_view_needed": (
        "--format {fmt} 需要指定 --view children、helpers 或 awards",
        "--format {fmt} needs --view children, helpers or awards",
    ),
    "bad_set": ("应写作 KEY=VALUE,如 --set top_keep_rank=5", "use KEY=VALUE, e.g. --set top_keep_rank=5"),
    "score_title_children": ("{year} 学年学生考核", "Pupils' assessment, school year {year}"),
    "score_title_helpers": ("{year} 学年帮扶人考核", "Helpers' assessment, school year {year}"),
    "score_title_awards": ("{year} 学年学生奖励", "Pupils' awards, school year {year}"),
    "export_year_needed": ("导出 scores 需要 --year", "exporting scores needs --year"),
    "templates_missing": ("模板文件夹 {folder} 不存在", "the templates folder {folder} does not exist"),
    "template_error": ("模板 {file} 第 {line} 行:{why}", "template {file}, line {line}: {why}"),
    "template_error_file": ("模板 {file}：{why}", "template {file}: {why}"),
    "template_syntax": ("模板语法有误", "{why}"),
    "template_undefined": ("用到了没有的名称 {names}", "{why}"),
    "template_not_found": ("找不到这个模板", "not found"),
    "template_unsafe": ("模板不能这样做（出于安全限制）", "{why}"),
    "template_failed": ("模板运行出错（{kind}）", "{kind}: {why}"),
    "chart_contacts_by_kind": ("各类联系次数", "Contacts by kind"),
    "chart_contacts_by_month": ("各月联系次数", "Contacts by month"),
    "chart_rates": ("各项比率与目标", "Rates against targets"),
    "chart_kind": ("方式", "Kind"),
    "chart_month": ("月份", "Month"),
    "chart_contacts": ("次数", "Contacts"),
    "chart_measure": ("指标", "Figure"),
    "chart_actual": ("实际", "Actual"),
    "chart_target": ("目标", "Target"),
    "chart_archive_rate": ("建档率", "Archive rate"),
    "chart_in_school_rate": ("入学率", "School enrolment"),
    "chart_retention_rate": ("巩固率", "Retention"),
    "chart_paired_rate": ("结对覆盖率", "Paired"),
    "chart_none": ("（无）", "(none)"),
    "chart_no_font": (
        "没有找到能显示中文的字体（如 Noto Sans CJK SC、SimSun、Microsoft YaHei），图表以表格代替图片写入文档",
        "no font that draws Chinese was found (such as Noto Sans CJK SC, SimSun, Microsoft YaHei); "
        "the charts are written as tables instead of pictures",
    ),
    "form_children_only": (
        "登记表（--layout registration-form）只用于 export children，不用于 {table}",
        "the registration form (--layout registration-form) is for export children only, not {table}",
    ),
    "binary_needs_file": (
        "{format} 需要 --out 文件，或重定向到文件",
        "{format} needs --out FILE (or stdout redirected to a file)",
    ),
    "bad_month": ("“{value}”不是月份（格式如 2026-03）", "'{value}' is not a month (written like 2026-03)"),
    "report_written": ("已写入 {file}", "wrote {file}"),
    # a page's title when a user's template has no heading of its own (the packaged ones title themselves)
    "title_plan": ("{year}年工作计划", "Work plan, {year}"),
    "title_summary": ("工作总结（{start} 至 {end}）", "Work summary, {start} to {end}"),
    "title_month": ("{month} 月报", "Month report, {month}"),
    "period_order": ("--from {start} 晚于 --to {end}", "--from {start} is after --to {end}"),
    "import_bad": ("{file} 有 {n} 处错误,未导入任何数据:", "{file} has {n} problem{s}; nothing was imported:"),
    "import_more": ("……另有 {n} 处", "... and {n} more"),
    "import_unknown_column": ("不认识的列", "unknown column"),
    "import_id_taken": ("编号 {id} 已被占用", "id {id} is taken"),
    "import_uid_taken": ("UID 已存在", "this uid is already in the database or the file"),
    "bad_uid": ("“{value}”不是 UUID", "'{value}' is not a UUID"),
    "import_no_child": ("没有编号为 {id} 的儿童", "no child with id {id}"),
    "import_no_helper": ("没有编号为 {id} 的帮扶人", "no helper with id {id}"),
    "import_dup_db": (
        "与已有档案(编号 {id})重复(加 --force 仍然导入)",
        "duplicates child {id} (use --force to import anyway)",
    ),
    "import_dup_row": ("与第 {row} 行重复(加 --force 仍然导入)", "duplicates row {row} (use --force to import anyway)"),
    "import_encoding": (
        "文件不是 {encoding} 编码(第 {position} 字节);WPS/Excel 存的 CSV 请加 --encoding gbk",
        "the file is not {encoding} (byte {position}); for a CSV saved by WPS or Excel try --encoding gbk",
    ),
    "import_twin_db": (
        "与已有帮扶人（编号 {id}）同名同电话（确是另一人时加 --force 仍然导入）",
        "the same name and phone as helper {id} (use --force if this is another person)",
    ),
    "import_exam_db": ("该儿童该学年该学期已有成绩", "this child already has a rank for that year and term"),
    "import_pair_db": ("与该儿童和帮扶人已有的结对时间重叠", "overlaps a pairing of this child and helper"),
    "filter_table": ("{option} 只用于导出 {table}", "{option} applies to exporting {table} only"),
    "import_open": ("无法打开 {file}:{why}", "cannot open {file}: {why}"),
    "import_cells": ("有 {found} 个单元格,表头有 {expected} 列", "{found} cells where the header has {expected}"),
    "import_csv": ("CSV 格式错误:{why}", "not valid CSV: {why}"),
    "import_json": ("JSON 格式错误:{why}", "not valid JSON: {why}"),
    "json_not_array": (
        "文件应是一个由对象组成的数组([{...}, ...])",
        "the file should be an array of objects ([{...}, ...])",
    ),
    "json_not_object": ("这一项不是对象({...})", "this item is not an object ({...})"),
    "json_too_deep": ("嵌套层数太多", "nested too deeply"),
    "json_long_number": ("数字位数太多", "a number too long"),
    "json_syntax": (
        "第 {line} 行第 {column} 列附近格式不对(缺少或多了引号、逗号、括号?)",
        "line {line}, column {column}: not valid here (a quote, comma or bracket missing or extra?)",
    ),
    "import_formula": (
        "单元格是公式“{formula}”,没有计算结果;请在 WPS/Excel 中打开后保存,或改为数值",
        "the cell holds the formula '{formula}' with no value saved; open and save the file in WPS/Excel, or type the"
        " value",
    ),
    "import_number_digits": (
        "单元格是数字,已丢掉末几位(Excel 只保留 15 位);请把这一列设为文本后重新填写号码",
        "the cell is a number and has lost its last digits (Excel keeps 15); format the column as text and type the"
        " numbers again",
    ),
    "import_date_serial": (
        "“{value}”像是 Excel 的日期序号(即 {date}):请把单元格格式设为日期",
        "'{value}' looks like an Excel date serial number ({date}): format the cell as a date",
    ),
    "import_empty": (
        "{file} 是空文件(连表头都没有),没有可导入的内容",
        "{file} is empty (not even a header): nothing to import",
    ),
    "import_xlsx": ("{file} 不是 Excel 工作簿(.xlsx)", "{file} is not an Excel workbook (.xlsx)"),
    # how much of a file an import reads (io.py: XLSX_MAX_STRINGS, CSV_MAX_LINE...), and its check stopped
    "xlsx_strings": (
        "{file}:{part} 含有超过 {limit} 个共享字符串,超过导入读取工作簿的上限",
        "{file}: {part} holds more than {limit} shared strings, more than an import reads from a workbook",
    ),
    "xlsx_cells": (
        "{file}:{part} 有一行超过 {limit} 个单元格,超过导入读取的 {limit} 列",
        "{file}: {part} has a row of more than {limit} cells, past the {limit} columns an import reads",
    ),
    "line_too_long_chars": (
        "这一行超过 {limit} 个字符,比任何一行数据都长",
        "a line of more than {limit} characters, longer than a row of data can be",
    ),
    "line_too_long_bytes": (
        "这一行超过 {limit} 字节,比任何一行数据都长",
        "a line of more than {limit} bytes, longer than a row of data can be",
    ),
    "json_too_big": (
        "{file} 超过导入读取 JSON 文件的上限 {limit} MiB",
        "{file} is larger than the {limit} MiB an import reads from a JSON file",
    ),
    "xlsx_too_big": (
        "{file} 超过导入读取工作簿的上限 {limit} MiB",
        "{file} is larger than the {limit} MiB an import reads from a workbook",
    ),
    "import_check_stopped": (
        "检查 {file} 的进程中途停止(被终止或内存不足),未写入任何数据",
        "the check of {file} stopped (killed, or out of memory); nothing was written",
    ),
    # what a file is before it is read, its header, the rows it may hold (_Loader.check_header, io.FILE_MAX_ROWS)
    "import_header_unknown": (
        "表头第 {n} 列“{column}”不是{label}表的列（列名请用 lbc export {table} 导出的表头或其中文、英文名称)",
        "column {n} of the header, '{column}', is not a column of the {label} table "
        "(use the headers lbc export {table} writes, or their labels in Chinese or English)",
    ),
    "import_header_missing": (
        "表头缺少必填的列：{columns}（{label}表的每一行都要填）",
        "the header lacks a column every row of the {label} table needs: {columns}",
    ),
    "import_masked": (
        "{columns}是打了星号的（如 138****1234），看起来是默认导出的文件（身份证号和电话被遮住），不能导回；"
        "请用 {command} 导出完整号码后再导入",
        "{columns}: the numbers are masked (like 138****1234): this looks like a default export, which hides id numbers"
        " and phones and cannot be imported back; export with {command} and import that file",
    ),
    "import_masked_file": ("完整名单{ext}", "full{ext}"),
    "import_header_twice": (
        "表头第 {first} 列和第 {second} 列都是“{column}”",
        "columns {first} and {second} of the header both name '{column}'",
    ),
    "import_header_same": (
        "表头第 {first} 列“{column}”和第 {second} 列“{other}”都是指 {field}:请删除或改名其中一列",
        "column {first} '{column}' and column {second} '{other}' of the header both mean {field}: delete or rename one",
    ),
    "import_header_empty": (
        "表头第 {n} 列没有列名:请填上列名,或删除这一列",
        "column {n} of the header is empty: name it, or delete the column",
    ),
    "import_old_excel": (
        "{file} 看起来是旧版 Excel 工作簿(.xls,或 WPS 的 .et)或设了密码的工作簿,导入读不了:请在 Excel 或 WPS 中打开"
        "(有密码的先取消密码),另存为 .xlsx,再导入另存的文件",
        "{file} looks like an old Excel workbook (.xls, or WPS .et) or a workbook with a password, which an import "
        "cannot read: open it in Excel or WPS (remove the password), save it as .xlsx (Save As) and import that",
    ),
    "import_workbook_as_text": (
        "{file} 看起来是 Excel 工作簿(.xlsx),不是 {kind} 文件:请把文件名改成以 .xlsx 结尾,或加 --format xlsx",
        "{file} looks like an Excel workbook (.xlsx), not a {kind} file: "
        "rename it to end in .xlsx, or add --format xlsx",
    ),
    # what openpyxl builds of a workbook (io.py XLSX_MAX_ELEMENTS, XLSX_MAX_ROW_ELEMENTS...)
    "xlsx_elements": (
        "{file}:{part} 等导入整体读入的部件(样式、名称、关系等)共有超过 {limit} 个 XML 元素,远多于工作簿所需:"
        "请把数据复制到新工作簿再导入",
        "{file}: {part} and the other parts an import reads whole (styles, names, relationships...) hold more than "
        "{limit} XML elements, far more than a workbook needs: copy the data into a new workbook and import that",
    ),
    "xlsx_part_elements": (
        "{file}:{part} 含有超过 {limit} 个 XML 元素,超过导入读取工作簿的上限",
        "{file}: {part} holds more than {limit} XML elements, more than an import reads from a workbook",
    ),
    "xlsx_row_elements": (
        "{file}:{part} 有一行超过 {limit} 个 XML 元素,超过导入读取的上限",
        "{file}: {part} has a row of more than {limit} XML elements, more than an import reads",
    ),
    "xlsx_string_elements": (
        "{file}:{part} 有一个共享字符串超过 {limit} 个 XML 元素,超过导入读取的上限",
        "{file}: {part} has a shared string of more than {limit} XML elements, more than an import reads",
    ),
    "xlsx_runs": (
        "{file}:{part} 有一个共享字符串超过 {limit} 段富文本,超过导入读取的上限",
        "{file}: {part} has a shared string of more than {limit} rich-text runs, more than an import reads",
    ),
    "file_rows": (
        "{file} 超过 {limit} 行,超过导入读取一个文件的上限;请把它拆成几个文件分别导入",
        "{file} has more than {limit} rows, more than an import reads from one file; split it and import each part",
    ),
    # the bounds of an xlsx file (io.py XLSX_MAX_*)
    "xlsx_parts": (
        "{file} 含有 {n} 个部件,超过导入读取工作簿的上限 {limit} 个",
        "{file} holds {n} parts, more than the {limit} an import reads from a workbook",
    ),
    "xlsx_unpacked": (
        "{file} 解压后有 {n} MiB,超过导入读取工作簿的上限 {limit} MiB",
        "{file} unpacks to {n} MiB, more than the {limit} MiB an import reads from a workbook",
    ),
    "xlsx_text": (
        "{file}:{part} 含有超过 {limit} 字节的文本,比任何单元格允许的都长(最多 {chars} 个字符)",
        "{file}: {part} holds a text of more than {limit} bytes, longer than any cell may be "
        "(at most {chars} characters)",
    ),
    "xlsx_rows": (
        "{file} 超过 {limit} 行(Excel 工作表的上限)",
        "{file} has more than {limit} rows (an Excel sheet's own maximum)",
    ),
    "xlsx_columns": (
        "{file}:{row}: 第 {n} 列有单元格,超过导入读取的 {limit} 列",
        "{file}:{row}: a cell in column {n}, past the {limit} columns an import reads",
    ),
    "xlsx_missing": ("处理 xlsx 需要 openpyxl:pip install openpyxl", "xlsx needs openpyxl: pip install openpyxl"),
    "imported": ("已导入 {n} 行到 {table}", "imported {n} row{s} into {table}"),
    "import_checked": (
        "检查通过:{n} 行可以导入(--dry-run,未写入)",
        "all {n} rows are good (--dry-run: nothing written)",
    ),
    "import_checked_one": (
        "检查通过:{n} 行可以导入(--dry-run,未写入)",
        "the 1 row is good (--dry-run: nothing written)",
    ),
    "import_not_table": ("不能导入“{table}”;可选:{choices}", "cannot import '{table}'; choose from: {choices}"),
    "xlsx_needs_file": (
        "xlsx 需要 --out 文件,或重定向到文件",
        "xlsx needs --out FILE (or stdout redirected to a file)",
    ),
    "importing": ("正在检查 {table}", "checking {table}"),
    "exporting": ("正在导出 {table}", "exporting {table}"),
    "purge_confirm": (
        "将永久删除 {name}(编号 {id})的全部个人信息,只保留匿名统计。继续吗?",
        "erase every piece of personal data of {name} (id {id}) for good, keeping only anonymous counts?",
    ),
    "purge_needs_yes": ("删除个人信息需要确认:请加 --yes", "erasing personal data needs confirmation: add --yes"),
    "purged": (
        "已删除编号 {id} 的个人信息:{contacts} 条联系备注、{pairings} 个结对备注、{audit} 条审计记录的内容",
        "erased the personal data of id {id}: notes of {contacts} contacts and {pairings} pairings, "
        "values of {audit} audit entries",
    ),
    "purge_aborted": ("已取消,未作改动", "cancelled; nothing was changed"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "none": ("(无)", "(none)"),
    "pairings": ("结对帮扶", "Pairings"),
    "contacts_title": ("联系记录(最近)", "Latest contacts"),
    "card_title": ("留守儿童档案", "Left-behind child record"),
    "helper_title": ("帮扶人", "Helper"),
    "no_rows": ("(没有记录)", "(no rows)"),
    "merging": ("正在合并 {other}", "merging {other}"),
    "merge_missing": ("没有文件 {file}", "no such file: {file}"),
    "merge_older": (
        "{other} 的数据库版本 {found} 比本程序的 {supported} 旧,合并不会改动它;请先升级:lbc --db {other} init,再合并",
        "{other} has schema version {found}, older than this lbc's {supported}, and a merge does not change it: "
        "upgrade it first with lbc --db {other} init, then merge",
    ),
    "merge_same": ("{other} 就是本库,无需合并", "{other} is this database: there is nothing to merge"),
    "merge_damaged": (
        "对方的 {table} {uid} 指向对方库中不存在的记录;请先对它运行 lbc db check",
        "{table} {uid} of the other database points to a row it does not hold; run lbc db check on it first",
    ),
    "merge_diff": ("{field}：本库 {mine}，对方 {theirs}", "{field}: here {mine}, theirs {theirs}"),
    "merge_conflict": ("{table} {row}：{diffs}", "{table} {row}: {diffs}"),
    "merge_duplicate": (
        "{table} {row}：与本库的 {mine} 是同一记录（{why}）；{diffs}",
        "{table} {row}: the same record as {mine} here ({why}); {diffs}",
    ),
    "merge_why_id_number": ("身份证号相同", "same id number"),
    "merge_why_name_birth": ("姓名和出生日期相同", "same name and birth date"),
    "merge_why_name_phone": ("姓名和电话相同", "same name and phone"),
    "merge_why_overlap": ("同一儿童与帮扶人的结对时间重叠", "the same child and helper, paired at the same time"),
    "merge_why_exit": ("同一儿童同一天退出", "the same child's exit on the same day"),
    "merge_why_term": ("同一儿童同一学年学期的名次", "the same child's rank for the same year and term"),
    "merge_blocked_exam": (
        "(采用对方会使该儿童同一学期有两个名次,请手工处理)",
        "(taking theirs would give the child two ranks for one term: settle it by hand)",
    ),
    "merge_blocked_overlap": (
        "(采用对方会与同一儿童和帮扶人的另一结对时间重叠,请手工处理)",
        "(taking theirs would overlap another pairing of the same child and helper: settle it by hand)",
    ),
    "merge_erased": (
        "{table} {row}：本库已删除其个人信息（lbc child purge），保持删除，不采用对方的 {fields}",
        "{table} {row}: its personal data was erased here (lbc child purge) and stays erased; "
        "theirs differs in {fields}, not taken",
    ),
    "merge_term": ("{year} 学年第 {term} 学期", "{year} term {term}"),
    "merge_month": ("{month} 月", "month {month}"),
    "merge_done": (
        "已合并 {other}:新增 {added} 行,相同 {identical} 行,冲突 {conflicts} 行",
        "merged {other}: {added} row{s_added} added, {identical} identical, {conflicts} conflict{s}",
    ),
    "merge_dry_run": (
        "--dry-run:合并 {other} 将新增 {added} 行,相同 {identical} 行,冲突 {conflicts} 行;未写入任何数据",
        "--dry-run: merging {other} would add {added} row{s_added} ({identical} identical, {conflicts} conflict{s}); "
        "nothing was written",
    ),
    "merge_settled": ("{n} 处冲突已处理:", "{n} conflict{s} settled:"),
    "merge_settled_theirs": (
        "{n} 处冲突已采用对方的值(--prefer theirs):",
        "{n} conflict{s} settled with theirs (--prefer theirs):",
    ),
    "merge_settled_mine": (
        "{n} 处冲突保留本库的值(--prefer mine):",
        "{n} conflict{s} kept as they are here (--prefer mine):",
    ),
    "merge_refused": (
        "与 {other} 有 {n} 处冲突,未合并任何数据;请核对后用 --prefer mine(保留本库)或 --prefer theirs(采用对方),"
        "或修改一方后再合并:",
        "{n} conflict{s} with {other}; nothing was merged. Settle them with --prefer mine (keep these values) or "
        "--prefer theirs (take {other}'s), or edit one side, and merge again:",
    ),
    "merge_uid_repeated": ("这个 UID 在对方文件里出现了两次", "this uid is in the other file twice"),
    "merge_not_tables": (
        "{other} 不是 lbc 数据库:{tables} 不是数据表",
        "{other} is not an lbc database: {tables} not tables",
    ),
    "merge_refused_dry": (
        "{n} 处冲突未解决:这次合并会被拒绝(--dry-run,未写入任何数据):",
        "{n} conflict{s} left unsettled: this merge would be refused (--dry-run: nothing was written):",
    ),
    # OTHER's rows checked as import checks a file's (merge.py _Merger._checked)
    "merge_bad": (
        "{file} 有 {n} 行数据不合格,未合并任何数据(请在 {file} 中改正后再合并):",
        "{file} has {n} bad row{s}; nothing was merged (correct them in {file}, then merge again):",
    ),
    "merge_row_uid": ("UID {uid}", "uid {uid}"),
    "merge_row_id": ("编号 {id}", "id {id}"),
    # ---- the help screens' own words (lbc_cli/cli/help_screen.py); the English ones are Typer's and Click's
    "help_arguments": ("参数", "Arguments"),
    "help_options": ("选项", "Options"),
    "help_commands": ("命令", "Commands"),
    "help_required": ("[必填]", "[required]"),
    "help_default": ("[默认:{value}]", "[default: {value}]"),
    "help_deprecated": ("(已弃用) ", "(deprecated) "),
    "help_option": ("显示本帮助并退出", "Show this help and exit"),
    # ---- one language a session (SPEC section 11): the parser's and the validators' errors in lbc's words,
    # the help screens' usage line, the audit log's labels (lbc_cli/cli/__init__.py, help_screen.py, audit.py)
    "clause_sep": ("；", "; "),
    "after_label": ("：", ": "),
    "field_problem": ("{field}：{problem}", "{field}: {problem}"),
    "help_usage": ("用法：", "Usage: "),
    "help_usage_options": ("[选项]", "[OPTIONS]"),
    "help_usage_command": ("命令 [参数]...", "COMMAND [ARGS]..."),
    "help_dynamic": ("（动态）", "(dynamic)"),
    "missing_command": ("缺少命令；可用的命令：{commands}", "missing command; the commands are: {commands}"),
    "missing_argument": ("缺少参数 {name}", "missing argument {name}"),
    "missing_option": ("缺少选项 {name}", "missing option {name}"),
    "option_needs_value": ("选项 {option} 需要一个值", "option {option} needs a value"),
    "option_takes_no_value": ("选项 {option} 不带值", "option {option} takes no value"),
    "extra_arguments": ("多余的参数：{args}", "unexpected extra argument(s): {args}"),
    "argument_needs_values": ("参数 {name} 需要 {n} 个值", "argument {name} takes {n} values"),
    "not_an_integer": ("“{value}”不是整数", "'{value}' is not a whole number"),
    "not_a_number": ("“{value}”不是数字", "'{value}' is not a number"),
    "not_a_date": ("“{value}”不是日期（年-月-日，如 2026-09-01）", "'{value}' is not a date (YYYY-MM-DD)"),
    "not_yes_no": ("“{value}”不是是/否", "'{value}' is not yes/no"),
    "not_a_choice": ("“{value}”不是可选值；可选：{choices}", "'{value}' is not one of: {choices}"),
    "at_most": ("“{value}”超出范围：应不大于 {limit}", "'{value}' is out of range: at most {limit}"),
    "at_least": ("“{value}”超出范围：应不小于 {limit}", "'{value}' is out of range: at least {limit}"),
    "below": ("“{value}”超出范围：应小于 {limit}", "'{value}' is out of range: below {limit}"),
    "above": ("“{value}”超出范围：应大于 {limit}", "'{value}' is out of range: above {limit}"),
    "bad_value": ("“{value}”无效", "'{value}' is not valid"),
    "usage_error": ("命令行有误", "the command line is wrong"),
    "audit_at": ("时间", "when"),
    # issue 22, delivery (delivery.py): the transport's lines
    "channel_test_message": ("lbc 测试消息:渠道 {name} 已接通", "lbc test message: channel {name} works"),
    "channel_timeout": (
        "渠道 {name}:{host} 在 {seconds} 秒内没有应答",
        "channel {name}: {host} did not answer within {seconds} s",
    ),
    "channel_unreachable": ("渠道 {name}:无法连接 {host}（{why}）", "channel {name}: cannot reach {host} ({why})"),
    "channel_http_status": (
        "渠道 {name}:{host} 返回 HTTP {status}",
        "channel {name}: {host} answered HTTP {status}",
    ),
    "channel_refused": (
        "渠道 {name}:{host} 没有接受消息(错误码 {code}:{said})",
        "channel {name}: {host} did not accept the message (code {code}: {said})",
    ),
    "channel_unexpected_answer": (
        "渠道 {name}:{host} 的应答不是该平台的格式(HTTP {status}),消息未确认送达",
        "channel {name}: {host} answered in a form not its platform's (HTTP {status}); the message is not confirmed",
    ),
    "channel_certificate": (
        "渠道 {name}:{host} 的证书无法验证,没有发送",
        "channel {name}: the certificate of {host} could not be verified; nothing was sent",
    ),
    "channel_smtp_login": (
        "渠道 {name}:邮件服务器 {host} 拒绝了用户名或密码(错误码 {code}):QQ 和 163 邮箱要用授权码,不是登录密码",
        "channel {name}: the mail server {host} refused the user or password (code {code}): QQ and 163 mail "
        "take the authorization code, not the login password",
    ),
    "channel_no_password": (
        "渠道 {name}:需要 SMTP 密码:设置 LBC_SMTP_PASSWORD,或用 --password-file 指定 0600 的密码文件",
        "channel {name}: an SMTP password is needed: set LBC_SMTP_PASSWORD or name a 0600 file with --password-file",
    ),
    "channel_problem": ("渠道 {name}:{problem}", "channel {name}: {problem}"),
    "channel_style_unknown": (
        "渠道 {name}:未知的格式 {style}(可选 json、wecom、dingtalk、feishu、email)",
        "channel {name}: unknown style {style} (json, wecom, dingtalk, feishu or email)",
    ),
    "password_file_missing": ("密码文件 {file} 不存在", "the password file {file} does not exist"),
    "password_file_not_file": ("密码文件 {file} 不是普通文件", "the password file {file} is not a regular file"),
    "password_file_open": (
        "密码文件 {file} 别人也能读写:请执行 chmod 600 {file}",
        "the password file {file} is open to others: run chmod 600 {file}",
    ),
    "password_file_unreadable": ("无法读取密码文件 {file}", "cannot read the password file {file}"),
    "password_file_empty": (
        "密码文件 {file} 是空的:第一行应是 SMTP 密码(QQ 和 163 邮箱的授权码)",
        "the password file {file} is empty: its first line should be the SMTP password (QQ and 163 mail: the "
        "authorization code)",
    ),
    "password_file_too_long": (
        "密码文件 {file} 的第一行超过 1 KiB,不像是密码:是不是写错了文件?",
        "the first line of the password file {file} is over 1 KiB, no password: is it the wrong file?",
    ),
    "password_file_not_text": (
        "密码文件 {file} 的第一行不是文本(含 NUL 字节或不是 UTF-8):是不是写错了文件?",
        "the first line of the password file {file} is not text (a NUL byte, or not UTF-8): is it the wrong file?",
    ),
    "channel_answer_too_large": (
        "渠道 {name}:{host} 的应答超过 {kib} KiB,不是该平台的应答,消息未确认送达",
        "channel {name}: {host} answered more than {kib} KiB, no answer of its platform's; the message is not "
        "confirmed",
    ),
    "channel_slowed": (
        "渠道 {name}:平台要求放慢发送,{seconds} 秒后({at})再试",
        "channel {name}: the platform asked to slow down; trying again in {seconds} s (at {at})",
    ),
    "channel_no_starttls": (
        "渠道 {name}:邮件服务器 {host} 不支持 STARTTLS,没有发送:改用 --tls(端口 465)",
        "channel {name}: the mail server {host} does not offer STARTTLS; nothing was sent: use --tls (port 465)",
    ),
    "channel_no_auth": (
        "渠道 {name}:邮件服务器 {host} 不提供登录(AUTH),没有发送",
        "channel {name}: the mail server {host} offers no login (AUTH); nothing was sent",
    ),
    "net_unresolved": ("域名无法解析", "the name does not resolve"),
    "net_refused": ("连接被拒绝", "connection refused"),
    "net_reset": ("连接被对方重置", "connection reset by the server"),
    "net_closed": ("服务器关闭了连接", "the server closed the connection"),
    "net_tls": (
        "TLS 握手失败:端口不是 TLS,或服务器的 TLS 设置不对",
        "the TLS handshake failed: not a TLS port, or the server's TLS is set up wrong",
    ),
    "net_not_http": ("应答不是 HTTP", "the answer is not HTTP"),
    "net_no_route": ("网络不通", "no route to the host"),
    "net_error": ("网络错误", "network error"),
    # end of issue 22, delivery
    # issue 22, channels (channels.py, cli/channels.py)
    "channel_webhook_or_email": (
        "请给出 --webhook 网址或 --email 收件地址,二者选一",
        "give either --webhook URL or --email addresses, one of the two",
    ),
    "channel_email_only": ("只用于电子邮件渠道(--email)", "is only for an e-mail channel (--email)"),
    "channel_webhook_only": ("只用于机器人渠道(--webhook)", "is only for a webhook channel (--webhook)"),
    "channel_signed_only": (
        "只有钉钉和飞书机器人有签名密钥和自定义关键词,{style} 没有",
        "only DingTalk and Feishu robots have a signing secret and a custom keyword; {style} has none",
    ),
    "channel_url_empty": ("网址不能为空", "the URL must not be empty"),
    "channel_url_long": ("网址 {url} 过长(最多 {n} 个字符)", "the URL {url} is too long (at most {n} characters)"),
    "channel_url_chars": ("网址 {url} 含有空格或控制字符", "the URL {url} contains spaces or control characters"),
    "channel_url_ascii": (
        "网址 {url} 含有中文或全角字符(请用 % 编码)",
        "the URL {url} holds characters beyond ASCII (percent-encode them)",
    ),
    "channel_url_bad": ("网址 {url} 无效", "the URL {url} is not valid"),
    "channel_url_scheme": (
        "网址 {url} 须以 http:// 或 https:// 开头",
        "the URL {url} must start with http:// or https://",
    ),
    "channel_url_host": ("网址 {url} 缺少主机名", "the URL {url} names no host"),
    "channel_secret_chars": (
        "签名密钥含有空格、控制字符、中文或全角字符",
        "the signing secret holds spaces, control characters or characters beyond ASCII",
    ),
    "channel_bad_address": ("“{address}”不是电子邮件地址", "'{address}' is not an e-mail address"),
    "channel_too_many_addresses": ("收件地址过多(最多 {n} 个)", "too many addresses (at most {n})"),
    "channel_one_sender": ("发件人只能有一个地址", "the sender is one address"),
    "channel_sender_needed": (
        "请给出 --from 发件地址或 --smtp-user 邮箱账号(缺一个时用另一个)",
        "give --from or --smtp-user (either stands for the other)",
    ),
    "channel_smtp_needed": (
        "电子邮件渠道须给出 --smtp 发信服务器({form})",
        "an e-mail channel needs --smtp {form}",
    ),
    "channel_bad_smtp": ("“{value}”不是主机名({form})", "'{value}' is not a host name ({form})"),
    "channel_bad_port": ("端口“{value}”无效:应为 1–65535", "the port '{value}' is not valid: 1–65535"),
    "channel_tls_or_starttls": ("--tls 与 --starttls 只能选一个", "--tls and --starttls exclude each other"),
    "channel_village_separator": ("村名“{village}”不能含有 ;", "the village '{village}' must not contain ;"),
    "channel_village_empty": (
        "村“{village}”还没有登记儿童(也没有以它开头的村):这个渠道暂时收不到该村的提醒",
        "no child is recorded in '{village}' (nor in a village whose name starts with it): "
        "this channel gets no reminder of it for now",
    ),
    "channel_exists": ("已有名为“{name}”的渠道", "a channel named '{name}' already exists"),
    "channel_not_found": (
        "找不到渠道“{name}”(lbc channel list 列出全部渠道)",
        "no channel '{name}' (lbc channel list shows them all)",
    ),
    "channel_not_found_close": (
        "找不到渠道“{name}”;是不是:{matches}？",
        "no channel '{name}'; did you mean: {matches}?",
    ),
    "channel_added": ("已添加渠道“{name}”({style}:{where})", "channel '{name}' added ({style}: {where})"),
    "channel_none": (
        "还没有渠道。添加一个:lbc channel add 名称 --webhook 网址 --style wecom",
        "no channel yet. Add one: lbc channel add NAME --webhook URL --style wecom",
    ),
    "channel_remove_confirm": (
        "删除渠道“{name}”及其发送记录?",
        "remove the channel '{name}' and its send log?",
    ),
    "channel_remove_needs_yes": ("删除渠道需要确认:请加 --yes", "removing a channel needs confirmation: add --yes"),
    "channel_removed": (
        "已删除渠道“{name}”(及 {n} 条发送记录)",
        "channel '{name}' removed (with {n} send log row{s})",
    ),
    "channel_test_sent": ("已向渠道“{name}”发送测试消息,请到群里或邮箱查看", "test message sent to channel '{name}'"),
    "channel_where_email": ("{to},经 {server}", "{to} via {server}"),
    "channel_tls": ("TLS 加密", "TLS"),
    "channel_starttls": ("STARTTLS 加密", "STARTTLS"),
    "channel_password_file": ("密码文件 {file}", "password file {file}"),
    "channel_signed": ("签名密钥 {secret}", "signing secret {secret}"),
    "channel_keyword": ("关键词“{keyword}”", "keyword '{keyword}'"),
    "channel_scope_villages": ("村:{villages}", "villages: {villages}"),
    "channel_scope_helpers": ("帮扶人:{helpers}", "helpers: {helpers}"),
    "channel_scope_all": ("全部", "everything"),
    "channel_col_where": ("发往", "where"),
    "channel_col_security": ("安全设置", "security"),
    "channel_col_scope": ("范围", "scope"),
    "channel_col_created": ("添加时间", "created"),
    "channel_style_clash": (
        "{host} 是{platform}的机器人网址,不能按 {style} 发送(去掉 --style 或改为对应类型)",
        "{host} is a {platform} robot's URL, not one of style {style} (leave out --style or give its style)",
    ),
    "channel_platform_http": (
        "网址 {url} 须用 https://(用 http:// 时密钥会以明文传送)",
        "the URL {url} must use https:// (over http:// its key would travel unencrypted)",
    ),
    "channel_dingtalk_unsecured": (
        "钉钉机器人须有一项安全设置:请加 --sign-secret 签名密钥或 --keyword 关键词(除非它用 IP 白名单),"
        "否则钉钉会拒收消息",
        "a DingTalk robot needs one of its security settings: add --sign-secret or --keyword (unless it uses an "
        "IP allowlist), or DingTalk refuses its messages",
    ),
    "helper_delete_in_channel": (
        "帮扶人“{name}”(编号 {id})在渠道“{channels}”的范围里:先删除或重建这些渠道(lbc channel remove),再删除帮扶人",
        "the helper {name} (id {id}) is in the scope of the channel{s} '{channels}': remove or re-add "
        "{them} first (lbc channel remove), then delete the helper",
    ),
    "channel_url_userinfo": (
        "网址 {url} 带有用户名或密码:lbc 不会发送它们,群机器人的密钥在网址的路径或参数里",
        "the URL {url} has a user or password in it: lbc does not send them (a robot's key is in its path or query)",
    ),
    # end of issue 22, channels
    # issue 22, remind --send (sending.py, cli/remind.py)
    "send_no_channel": (
        "没有可发送的渠道:请先用 lbc channel add NAME --webhook URL 添加一个",
        "no channel to send to: add one with lbc channel add NAME --webhook URL",
    ),
    "send_unknown_channel": (
        "没有名为 {name} 的渠道(现有:{names})",
        "no channel is named {name} (there are: {names})",
    ),
    "send_needed": ("{option} 只能与 --send 同用", "{option} goes with --send only"),
    "send_no_output": (
        "--send 把提醒发送到各渠道,不能与 {option} 同用",
        "--send posts the reminders to the channels: not with {option}",
    ),
    "send_dry_header": (
        "=== 渠道 {name}:第 {n} 条消息,共 {total} 条 ===",
        "=== channel {name}: message {n} of {total} ===",
    ),
    "send_sent": (
        "渠道 {name}:已发送 {messages} 条消息({reminders} 项提醒),{left} 项 {days} 天内已发送过,未重复发送",
        "channel {name}: sent {messages} messages ({reminders} reminders), {left} left out as sent within {days} days",
    ),
    "send_dry_run": (
        "渠道 {name}:将发送 {messages} 条消息({reminders} 项提醒),{left} 项 {days} 天内已发送过,不再发送(演练,未发送)",
        "channel {name}: would send {messages} messages ({reminders} reminders), {left} left out as sent within "
        "{days} days (dry run: nothing sent)",
    ),
    "send_nothing_new": (
        "渠道 {name}:没有新的提醒可发送({left} 项 {days} 天内已发送过)",
        "channel {name}: nothing new to send ({left} left out as sent within {days} days)",
    ),
    "send_failed": (
        "{error};已发送 {sent}/{total} 条消息,未送达的提醒下次再发",
        "{error}; {sent} of {total} messages sent, what was not delivered goes next time",
    ),
    # end of issue 22, remind --send
    # issue 22, cron (cron.py)
    "cron_needs_print": (
        "lbc cron 只在加上 --print 时输出定时任务的一行(不会改动你的定时任务表)",
        "lbc cron prints its crontab line only with --print (it never changes your crontab)",
    ),
    "cron_bad_schedule": (
        "“{value}”不是定时任务的时间:应为五个字段 分 时 日 月 周(如 0 8 * * 1),或 @daily、@weekly、@monthly、@hourly",
        "'{value}' is not a cron schedule: five fields, minute hour day month weekday (as 0 8 * * 1), "
        "or @daily, @weekly, @monthly, @hourly",
    ),
    "cron_bad_path": (
        "路径 {path} 含有控制字符或反斜杠,无法写进定时任务的一行;请换一个文件夹",
        "the path {path} holds a control character or a backslash and cannot be written in a crontab line; "
        "use another folder",
    ),
    "cron_pgpass": (
        "数据库密码没有写进这一行:定时任务中的 lbc 从 ~/.pgpass 读取它"
        "(权限 0600,每行五项:主机、端口、数据库、用户、密码,用半角冒号隔开)",
        "the database password is left out of the line: cron's lbc reads it from ~/.pgpass "
        "(mode 0600, a line host:port:database:user:password)",
    ),
    "cron_sends": ("这一行把提醒发到 {n} 个渠道:{names}", "the line sends the reminders to {n} channel(s): {names}"),
    "cron_no_channel": (
        "还没有设置渠道:这一行把提醒写进 {folder} 中按日期命名的文件;"
        "用 lbc channel add 添加渠道后再运行一次 lbc cron --print",
        "no channel is set: the line writes the reminders to a dated file in {folder}; add one with lbc channel add "
        "and run lbc cron --print again",
    ),
    "cron_no_password_file": (
        "渠道 {name} 没有密码文件:定时任务里没有 LBC_SMTP_PASSWORD,这个渠道会发送失败;"
        "请重新添加它并加上 --password-file",
        "channel {name} has no password file: cron has no LBC_SMTP_PASSWORD, so this channel will fail; "
        "add it again with --password-file",
    ),
    "cron_channel_problem": ("渠道 {name}:{why}", "channel {name}: {why}"),
    "cron_install": (
        "装入:运行 crontab -e,把上面这一行粘贴到末尾并保存;每次运行的输出追加到 {log}",
        "to install it: run crontab -e, paste the line above at the end and save; each run's output is appended "
        "to {log}",
    ),
    # end of issue 22, cron
}

# The help screens' names of values and arguments in Chinese (metavars, Typer's <type>s, argument names); in
# English the screens stay Typer's own. What is not here is shown as it is (slug lists such as zh|en, F|M).
HELP_NAMES_ZH: dict[str, str] = {
    # metavars
    "CHILD": "儿童",
    "DATE": "日期",
    "DAYS": "天数",
    "DIR": "文件夹",
    "ENC": "编码",
    "FIELD": "字段",
    "FILE": "文件",
    "FORMAT": "格式",
    "HELPER": "帮扶人",
    "ID": "编号",
    "ID...": "编号...",
    "KEY=VALUE": "项=值",
    "KIND": "类型",
    "LAYOUT": "版式",
    "N": "数",
    "NAME": "姓名",
    "OTHER": "另一数据库",
    "PLACE": "地点",
    "SCHOOL/GRADE/CLASS": "学校/年级/班级",
    "SLUG": "代码",
    "STATUS": "状态",
    "TABLE": "表",
    "TARGET": "数据库",
    "TEXT": "文本",
    "WHO": "对象",
    "X": "数值",
    "YYYY-MM": "年-月",
    # Typer's types
    "<str>": "<文本>",
    "<int>": "<整数>",
    "<int range>": "<整数>",
    "<float>": "<数>",
    "<float range>": "<数>",
    "<path>": "<路径>",
    "<list[str]>": "<文本>...",
    "<datetime>": "<日期>",
    # argument names (an argument without a metavar is shown by its name)
    "child": "儿童",
    "children": "儿童",
    "file": "文件",
    "helper": "帮扶人",
    "key": "设置项",
    "month": "月份",
    "name": "姓名",
    "pairing_id": "结对编号",
    "ref": "编号或姓名",
    "text": "内容",
    "value": "值",
    # issue 22, channels
    "CHANNEL": "渠道",
    "URL": "网址",
    "HOST[:PORT]": "主机[:端口]",
    "ADDRESS": "地址",
    "ADDRESSES": "地址",
    "SECRET": "密钥",
    "WORD": "关键词",
    "USER": "账号",
    # issue 22, cron
    "SCHEDULE": "时间",
}


# Columns that only people's tables show (pair and contact lists, remind's table), labelled like the rest
FIELDS.update(
    {
        "helper": ("帮扶人", "helper"),
        "rule": ("提醒事项", "reminder"),
        "due_date": ("到期日", "due"),
        "days_overdue": ("逾期天数", "days overdue"),
    }
)
ENUMS["table"].update({"exits": ("退出记录", "exits"), "audit_log": ("审计日志", "audit log")})
# issue 22, channels: the channels' fields as the audit log names them
ENUMS["table"]["channels"] = ("渠道", "channels")
FIELDS.update(
    {
        "channel": ("渠道名称", "channel name"),
        "style": ("类型", "style"),
        "webhook": ("机器人网址", "webhook"),
        "sign_secret": ("签名密钥", "signing secret"),
        "keyword": ("自定义关键词", "keyword"),
        "email_to": ("收件地址", "e-mail to"),
        "smtp_host": ("发信服务器", "SMTP host"),
        "smtp_port": ("发信端口", "SMTP port"),
        "smtp_security": ("加密方式", "SMTP security"),
        "smtp_user": ("邮箱账号", "SMTP user"),
        "from_address": ("发件地址", "from"),
        "password_file": ("密码文件", "password file"),
        "villages": ("村", "villages"),
        "helper_ids": ("帮扶人编号", "helper ids"),
        "created_at": ("添加时间", "created"),
    }
)
# The audit log for people: its actions, and the keys of its entries that are no field of a table
AUDIT_ACTIONS: dict[str, tuple[str, str]] = {
    "insert": ("新增", "added"),
    "update": ("修改", "changed"),
    "delete": ("删除", "deleted"),
    "purge": ("删除个人信息", "purged"),
    "import": ("导入", "imported"),
    "merge": ("合并", "merged"),
    "example": ("示例数据", "example data"),
}
AUDIT_KEYS: dict[str, tuple[str, str]] = {
    "rows": ("行数", "rows"),
    "file": ("文件", "file"),
    "source": ("来源", "source"),
    "month": ("月份", "month"),
    "position": ("顺序", "position"),
    "text": ("内容", "text"),
    "name_pinyin": ("姓名拼音", "name in pinyin"),
    "name_initials": ("拼音首字母", "pinyin initials"),
    "name_variants": ("姓名异写", "name variants"),
}


# What a database driver, pg_restore or the system said, as lbc says it: (a clue in its text, Chinese, English).
# The first clue found wins; the driver's own words never reach a Chinese session (SPEC section 11).
DB_PROBLEMS: tuple[tuple[str, str, str], ...] = (
    ("malformed", "文件不完整或已损坏", "the file is incomplete or corrupted"),
    ("corrupt", "文件不完整或已损坏", "the file is incomplete or corrupted"),
    ("not a database", "不是数据库文件", "not a database file"),
    ("file is encrypted", "不是数据库文件", "not a database file"),
    ("no such table", "缺少数据表", "a table is missing"),
    ("no such column", "缺少数据列", "a column is missing"),
    ("database or disk is full", "磁盘已满", "the disk is full"),
    ("no space left on device", "磁盘已满", "the disk is full"),
    ("readonly", "数据库只读", "the database is read-only"),
    ("read-only", "只读的文件系统", "a read-only file system"),
    ("permission denied", "没有权限", "permission denied"),
    ("no such file or directory", "文件不存在", "no such file"),
    ("is a directory", "这是文件夹", "it is a folder"),
    ("locked", "数据库正被占用", "the database is locked"),
    ("busy", "数据库正被占用", "the database is locked"),
    ("lock timeout", "等待数据库锁超时", "the wait for a lock timed out"),
    ("password authentication failed", "密码验证失败", "password authentication failed"),
    ("no password supplied", "密码验证失败", "password authentication failed"),
    ("authentication failed", "身份验证失败", "authentication failed"),
    (
        "no pg_hba.conf entry",
        "服务器不允许此主机或用户连接（pg_hba.conf）",
        "this host or user may not connect (pg_hba.conf)",
    ),
    ("does not exist", "数据库或用户不存在", "no such database or role"),
    ("connection refused", "连接被拒绝（数据库服务器是否在运行？）", "connection refused (is the server running?)"),
    ("timeout expired", "连接超时", "connection timed out"),
    ("timed out", "连接超时", "connection timed out"),
    ("could not translate host name", "找不到该主机", "unknown host"),
    ("name or service not known", "找不到该主机", "unknown host"),
    ("unknown host", "找不到该主机", "unknown host"),
    ("too many clients", "服务器连接数已满", "the server has too many connections"),
    ("too many connections", "服务器连接数已满", "the server has too many connections"),
    ("starting up", "服务器正在启动", "the server is starting up"),
    ("shutting down", "服务器正在关闭", "the server is shutting down"),
    ("closed the connection", "服务器关闭了连接", "the server closed the connection"),
    ("connection lost", "与服务器的连接中断", "the connection was lost"),
    ("i/o error", "读写出错", "an I/O error"),
    ("input/output error", "读写出错", "an I/O error"),
)


def db_problem(
    said: object, otherwise: tuple[str, str] = ("数据库程序报错（加 --debug 查看详情）", ""), quote: bool = True
) -> str:
    """What a driver or the system said (``database disk image is malformed``), in the session's words: in
    Chinese lbc's words only; in English lbc's words with the driver's own in parentheses where they differ
    (``quote``: a server's text is never quoted, it may hold the connection string). ``otherwise``: the words
    for a text no clue matches (English: the text itself when empty)."""
    raw = str(said or "").strip().splitlines()[0] if str(said or "").strip() else ""
    text = raw.lower()
    zh, en = next(((zh, en) for clue, zh, en in DB_PROBLEMS if clue in text), otherwise)
    if _lang == "zh":
        return zh
    if not en:
        return raw or "?"
    return en if en.lower() == text or not raw or not quote else f"{en} ({raw})"


# The enum of each field whose values are slugs, in every table (the audit log and merge show their labels)
VALUE_ENUMS: dict[str, str] = {
    "gender": "gender",
    "schooling": "schooling",
    "flags": "flag",
    "assistance": "assistance",
    "status": "status",
    "guardian_relation": "guardian_relation",
    "guardian_rating": "guardian_rating",
    "health": "health",
    "exit_reason": "exit_reason",
    "role": "role",
    "kind": "kind",
    "with_whom": "with",
    "award": "award",
}


def value_enums(*columns: str) -> dict[str, str]:
    """The enums of these columns (``VALUE_ENUMS``), for a table that shows them as labels."""
    return {column: VALUE_ENUMS[column] for column in columns}


def plural(n: int) -> str:
    """English's plural ending for a count (1 conflict, 2 conflicts); none in Chinese."""
    return "" if n == 1 or _lang == "zh" else "s"


def help_name(text: str) -> str:
    """A metavar, a Typer type or an argument's name as the session's help shows it (``FILE`` -> 文件)."""
    if _lang != "zh":
        return text
    return HELP_NAMES_ZH.get(text, text)


def seeded_schedule_uid(month: int, position: int, lang: str | None = None) -> str:
    """The uid of a schedule item `lbc init` seeds: the same in every village's file, whatever its language
    (``lang``: the per-language uid that files made before schema 3 hold)."""
    import uuid

    where = f"{lang}:" if lang else ""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"lbc:schedule:{where}{month}:{position}"))


_seeded: dict[str, tuple[int, int]] = {}


def seeded_schedule_item(uid: str) -> tuple[int, int] | None:
    """(month, position) of a seeded schedule item known by its uid (the current one or an older file's)."""
    if not _seeded:
        for month, items in SCHEDULE.items():
            for position in range(1, len(items) + 1):
                for lang in (None, "zh", "en"):
                    _seeded[seeded_schedule_uid(month, position, lang)] = (month, position)
    return _seeded.get(uid)


def schedule_text(uid: str, text: str) -> str:
    """A schedule item's text as shown: a seeded item's in the session's language, any other as written."""
    seeded = seeded_schedule_item(uid)
    if seeded is None:
        return text
    month, position = seeded
    zh, en = SCHEDULE[month][position - 1]
    return zh if _lang == "zh" else en


def _detect() -> str:
    """The language before --lang is read (main() reads it): LBC_LANG, else the locale's."""
    if os.environ.get("LBC_LANG"):
        return _normal(os.environ["LBC_LANG"])
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def _normal(value: str) -> str:
    return "zh" if value.lower().startswith("zh") or value.startswith("中") else "en"


def known(value: str) -> bool:
    """A --lang value lbc understands: zh, en, or a locale-like zh_CN / en-US."""
    folded = value.strip().lower()
    return folded[:2] in ("zh", "en") or folded in ("中文", "英文")


_lang = _detect()


def lang() -> str:
    return _lang


def set_lang(value: str) -> None:
    global _lang
    _lang = _normal(value)


@contextmanager
def using(value: str):
    """Speak one language for a while (the national form is Chinese whatever --lang says)."""
    global _lang
    saved, _lang = _lang, _normal(value)
    try:
        yield
    finally:
        _lang = saved


def t(key: str, /, **kwargs: object) -> str:
    if _lang == "zh":
        text = _FULL_WIDTH.get(key)
        if text is None:
            text = _FULL_WIDTH[key] = full_width(MESSAGES[key][0])
        if "why" in kwargs and str(kwargs["why"]) in _SYSTEM_WHY_ZH:  # the system's reason, in Chinese too
            kwargs["why"] = _SYSTEM_WHY_ZH[str(kwargs["why"])]
    else:
        text = MESSAGES[key][1]
        if kwargs and key.startswith(_COUNTED_KEYS) and 1 in kwargs.values():
            return _ONE_COUNTED.sub(r"1 \1", text.format(**kwargs))
    return text.format(**kwargs) if kwargs else text


# English messages that count messages, reminders, items or days: "1 messages" said as "1 message"
_COUNTED_KEYS = ("send_", "remind_items", "channel_")
_ONE_COUNTED = re.compile(r"(?<![\d.,])1 (message|reminder|item|day)s\b")


def bi(zh: str, en: str) -> str:
    """Pick the text of the current language; for help strings written beside the option."""
    return full_width(zh) if _lang == "zh" else en


# The reasons the system gives (os.strerror, in English whatever the locale) that a Chinese message may carry
_SYSTEM_WHY_ZH = {
    os.strerror(number): zh
    for number, zh in (
        (errno.ENOENT, "文件或文件夹不存在"),
        (errno.EACCES, "没有权限"),
        (errno.EPERM, "不允许的操作"),
        (errno.EISDIR, "这是一个文件夹"),
        (errno.ENOTDIR, "路径中有一段不是文件夹"),
        (errno.EEXIST, "文件已存在"),
        (errno.ENOSPC, "磁盘空间不足"),
        (errno.EDQUOT, "超出磁盘配额"),
        (errno.EFBIG, "文件过大"),
        (errno.EROFS, "只读文件系统"),
        (errno.ENAMETOOLONG, "文件名过长"),
        (errno.EBUSY, "设备或资源忙"),
        (errno.EIO, "输入输出错误"),
        (errno.ELOOP, "符号链接层数过多"),
        (errno.ECONNREFUSED, "连接被拒绝"),
    )
}
# Chinese messages as shown: their punctuation full-width (``full_width``), worked out once a message
_FULL_WIDTH: dict[str, str] = {}
_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "?": "？", "!": "！"}


def _chinese_char(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" or ch in "“”‘’"


def full_width(text: str) -> str:
    """Chinese text with the ASCII punctuation of its sentences full-width (SPEC section 11): a , : ; ( ) ? !
    next to a Chinese character (spaces aside) becomes ，：；（）？！ and a bracket's partner follows it; what is
    ASCII between ASCII stays (``zh, en``, ``16:10``, ``(0600)`` after a number, ``{value}`` placeholders)."""
    if not any(ch in _HALF_TO_FULL for ch in text):
        return text
    chars, inside, marks = list(text), 0, []
    for i, ch in enumerate(chars):  # the marks outside {placeholders}
        inside += ch == "{"
        inside -= ch == "}" and inside > 0
        if ch in _HALF_TO_FULL and not inside:
            marks.append(i)
    partner, stack = {}, []
    for i in marks:
        if chars[i] == "(":
            stack.append(i)
        elif chars[i] == ")" and stack:
            j = stack.pop()
            partner[i], partner[j] = j, i
    full: set[int] = set()

    def near(i: int, step: int) -> bool:
        j = i + step
        while 0 <= j < len(chars) and chars[j] == " ":
            j += step
        return 0 <= j < len(chars) and (_chinese_char(chars[j]) or j in full)

    def clause(i: int) -> bool:
        """A colon or comma of a Chinese sentence met beside a placeholder ("{id},{date}", "打开 {file}:{why}")."""
        before, after = text[i - 1 : i], text[i + 1 : i + 2]
        if chars[i] == ":":  # not in a time (16:10), a URL (postgresql://) or a place in a file ({file}:{part})
            place = text[i + 1 :].startswith(("{part}", "{row}"))
            return not (before.isdigit() and after.isdigit()) and after != "/" and not place
        return before == "}" or after == "{"

    def holds_chinese(i: int) -> bool:
        j = partner.get(i)
        if j is None:
            return False
        low, high = min(i, j), max(i, j)
        return any(_chinese_char(ch) or k in full for k, ch in enumerate(chars[low:high], low))

    chinese = any(_chinese_char(ch) for ch in text)
    changed = True
    while changed:
        changed = False
        for i in marks:
            if i in full or (chars[i] == ":" and text[i + 1 : i + 2] == "/"):
                continue
            if (
                near(i, -1)
                or near(i, 1)
                or partner.get(i) in full
                or (chinese and chars[i] in ",:" and clause(i))
                or (chars[i] in "()" and holds_chinese(i))
            ):
                full.add(i)
                changed = True
    out = []
    for i, ch in enumerate(chars):
        if i in full:
            while out and out[-1] == " " and ch != "(":  # a full-width mark carries its own space
                out.pop()
            out.append(_HALF_TO_FULL[ch])
        elif ch == " " and out and out[-1] in "，：；（？！":
            continue
        else:
            out.append(ch)
    return "".join(out)


def field(name: str) -> str:
    pair = FIELDS.get(name)
    if pair is None:
        return name
    return pair[0] if _lang == "zh" else pair[1]


def field_named(text: str) -> str | None:
    """The field whose Chinese or English label is ``text`` (监护人电话 -> guardian_phone); None: no such label."""
    full = text.replace("(", "（").replace(")", "）")  # a file of before: 奖金(元)
    for name, (zh, en) in FIELDS.items():
        if text in (zh, en) or full == zh:
            return name
    return None


def field_list(names) -> str:
    """Changed fields for a message: their labels in Chinese, their column names in English."""
    names = list(names)
    if not names:
        return "-"
    return "、".join(field(n) for n in names) if _lang == "zh" else ", ".join(names)


def label(enum: str, slug: str | None) -> str:
    """The display label of a slug in the current language (the slug itself if unknown)."""
    if slug is None or slug == "":
        return ""
    pair = ENUMS[enum].get(slug)
    if pair is None:
        return slug
    return pair[0] if _lang == "zh" else pair[1]


def labels(enum: str, slugs: str | None) -> str:
    """Labels of a ';'-joined slug set."""
    if not slugs:
        return ""
    sep = "、" if _lang == "zh" else ", "
    return sep.join(label(enum, s) for s in slugs.split(";") if s)


def choices(enum: str) -> str:
    """The choices of an enum for help text and errors: 'slug (label)' pairs; in Chinese F（女）、M（男）."""
    if _lang == "zh":
        return "、".join(f"{slug}（{pair[0]}）" for slug, pair in ENUMS[enum].items())
    return ", ".join(f"{slug} ({pair[0]})" for slug, pair in ENUMS[enum].items())
