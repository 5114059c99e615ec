"""A synthetic county for lbc benchmarks, written as files `lbc import` loads as they are.

    python benchmarks/gen.py --out DIR [--children N] [--seed S] [--jobs 1|2]

writes DIR/children.csv, helpers.csv, pairs.csv, contacts.csv and exams.csv (UTF-8, the export
columns of SPEC section 8 with `id` and `uid`, so the foreign keys refer to the ids of the files)
and prints each file's row count on stderr. Import them in that order into an empty database.

Why: lbc must stay fast at county scale (SPEC section 9: 100,000 children, 1,000,000 contacts), and
a benchmark needs such a county that passes every check of `lbc import`, looks like the real thing
to every query (villages grouped in townships, names, ages, schooling, flags, helpers of every role,
overlapping care networks, a school year of contacts, several years of class ranks) and is the same
byte for byte for the same seed. Counts scale with N: 300 villages in ~15 townships per 100,000
children, helpers max(10, 3N/100), pairings 3N/2, contacts 10N, exams 3N.

The data is invented: names are drawn from common characters, phone numbers at random, id numbers
carry a valid GB 11643 check digit on an invented area code. A village's name starts with its
township's (石桥镇柳河村), so one township is `village LIKE '石桥镇%'`. The school year is 2025
(1 Sep 2025 to 31 Aug 2026); every date is in the past from 2026-09-01 on, when lbc accepts it.

Only the standard library, and no lbc import: it runs alone, in seconds (cheap draws from
precomputed pools, rows written in batches, the contacts in a second process). Each table has its own
generator seeded by (seed, table), so the output does not depend on --jobs.
"""

import argparse
import csv
import gc
import os
import random
import sys
import time
from bisect import bisect
from datetime import date
from itertools import accumulate
from operator import mul

SCHOOL_YEAR = 2025
YEAR_START = date(2025, 9, 1).toordinal()
PAIR_LAST_START = date(2026, 7, 15).toordinal()  # pairings start inside the teaching year
YEAR_END = date(2026, 8, 31).toordinal()
TERM1_END = date(2026, 1, 20).toordinal()  # a child who left before a term's end has no rank for it
TERM2_END = date(2026, 7, 5).toordinal()
SUMMER = date(2026, 7, 10).toordinal()  # no school visits in the summer holiday
AGE_LIMIT = 16
VILLAGES_PER_TOWNSHIP = 20
ID_AREA = "439921"  # an invented county code (Hunan has no prefecture 99): no real person's id number
COUNTY = "云溪县"
BATCH = 20000

COLUMNS = {
    "children": (
        "id,uid,name,gender,ethnicity,birth_date,id_number,village,village_group,address,school,grade,class_name,"
        "schooling,boarding,health,guardian_name,guardian_relation,guardian_phone,guardian_rating,care_agreement_on,"
        "consent_on,father_away,father_work_place,father_phone,mother_away,mother_work_place,mother_phone,flags,"
        "assistance,hobbies,family_notes,status,exit_reason,exit_date,enrolled_on,reviewed_on"
    ).split(","),
    "helpers": "id,uid,name,role,phone,organization,village,active".split(","),
    "pairs": "id,uid,child_id,helper_id,start_date,end_date,note".split(","),
    # no_answer is not among SPEC section 8's columns but `lbc export contacts` writes it and import takes it
    "contacts": "id,uid,child_id,helper_id,kind,date,with_whom,minutes,note,follow_up_date,no_answer".split(","),
    "exams": "id,uid,child_id,school_year,term,class_rank,class_size,total_score,merit_student,serious_violation".split(
        ","
    ),
}

# ---- pools of text ------------------------------------------------------------------------------

# Common surnames, weighted roughly by their share of the population.
SURNAMES = (
    "王71 李70 张67 刘54 陈45 杨31 黄22 赵21 吴20 周19 徐15 孙15 胡13 马12 朱11 郭11 何12 高10 林10 罗9 郑9 梁8 "
    "谢8 宋7 唐7 许6 韩6 冯6 邓6 曹6 彭5 曾5 肖5 田5 董5 袁5 潘4 于4 蒋4 蔡4 余4 杜4 叶4 程4 苏4 魏4 吕3 丁3 "
    "任3 沈3 姚3 卢3 姜3 崔3 钟3 谭3 陆3 汪3 范3 金3 石3 廖3 贾3 夏2 韦2 付2 方2 白2 邹2 孟2 熊2 秦2 邱2 江2 "
    "尹2 薛2 段2 雷2 侯2 龙2 史2 陶2 黎2 贺2 顾2 毛2 郝2 龚2 邵2 万2 覃2 向2 欧1 易1 舒1 符1 滕1"
).split()
SURNAME_CHARS = [s[0] for s in SURNAMES]
SURNAME_WEIGHTS = [int(s[1:]) for s in SURNAMES]
BOY_CHARS = (
    "浩宇轩俊杰子涵博文泽睿晨阳鑫磊鹏航嘉豪一铭天佑明志强伟成凯"
    "瑞诚思远骏锦皓煜然楷逸鸿承昊辰宏毅旭彬斌亮健峰超翔哲奕霖家乐"
)
GIRL_CHARS = "欣怡梓萱雨桐思彤佳琪诗涵梦瑶雯静婷悦可馨妍语嫣若曦晓菲慧敏丽娜倩月雪琳紫萌甜蕾露丹颖玉芳彩娟洁灵心一子嘉"
ELDER_MEN = (
    "建国 德明 国强 志华 永福 长贵 春生 秋生 有才 金山 富贵 正清 光明 文华 海林 明山 家福 树林 庆丰 兴旺".split()
)
ELDER_WOMEN = (
    "桂兰 秀英 玉梅 春花 凤英 翠兰 淑珍 桂芳 秀兰 金凤 玉兰 素芬 桂英 菊香 美华 红梅 秀珍 冬梅 丽华 彩云".split()
)
ADULT_MEN = (
    "建军 志勇 海波 小军 国庆 卫东 立新 振华 永红 建华 红兵 勇 刚 军 斌 伟 强 涛 磊 鹏 亮 杰 辉 宏伟 文斌".split()
)
ADULT_WOMEN = (
    "丽娟 小红 晓燕 红霞 春梅 艳芳 海燕 丽萍 秀芳 雪梅 敏 芳 静 丽 燕 霞 娟 琴 慧 婷 玲 晓丽 美玲 金花 素娟".split()
)

TOWN_FIRST = "石青柳白桃龙黄清金马双高长新杨枫大云梅沙茶竹三五鹿凤东西南北"
TOWN_SECOND = "桥山溪源潭坪水岭塘林台花园湾口冲铺岗河峪"
VILLAGE_FIRST = "柳杨李王张刘陈何周郭罗胡谢唐毛彭向田石枣桑杏樟桂荷兰松柏竹梨菱莲芦新大小上下前后中老古"
VILLAGE_SECOND = "河湾庄坪冲塘岭桥沟坝垭溪铺寨坡园港堰岗峪洲"

ETHNICITIES = ["汉族", "土家族", "苗族", "侗族", "瑶族", "白族"]
WORK_PLACES = (
    "广东东莞 广东深圳 广东广州 广东佛山 广东中山 浙江义乌 浙江宁波 浙江杭州 浙江温州 江苏苏州 江苏昆山 上海 北京 "
    "福建晋江 福建厦门 湖北武汉 湖南长沙 天津 重庆 四川成都 新疆乌鲁木齐 海南三亚"
).split()
WORK_WEIGHTS = [14, 12, 10, 7, 4, 8, 5, 5, 4, 8, 4, 6, 4, 3, 3, 3, 3, 2, 2, 2, 1, 1]
HOBBIES = "画画 唱歌 跳舞 篮球 足球 乒乓球 跳绳 看书 下棋 写毛笔字 做手工 跑步 弹电子琴 讲故事 放风筝 羽毛球".split()
FAMILY_NOTES = [
    "父母春节回家",
    "爷爷年迈多病",
    "奶奶腿脚不便",
    "家中还有一个弟弟",
    "家中还有一个姐姐",
    "父母离异,随父亲生活",
    "母亲多年在外未归",
    "住房较旧,雨季漏水",
    "父亲务工受伤,在家休养",
    "家庭收入主要靠务工",
    "平时由姑姑帮忙照看",
    "兄妹二人与奶奶同住",
]
PAIR_NOTES = ["村委会安排", "爱心妈妈认领", "自愿结对", "包保到户", "乡镇统一安排"]
PAIR_END_NOTES = ["帮扶人调离", "工作调整", "改由他人帮扶", "帮扶人外出务工"]

# Contact kinds: (slug, weight, weight for a priority child, with_whom choices, minutes range, notes)
KINDS = [
    ("video-call", 34, 26, ("parent",) * 5 + ("child",), (5, 40),
     ["聊了学习情况", "孩子想妈妈了", "父母叮嘱注意安全", "说了考试成绩", "孩子情绪稳定", "约好下周再聊",
      "孩子不愿多说", "父母答应春节回家"]),
    ("phone-call", 20, 16, ("parent",) * 4 + ("guardian",), (3, 20),
     ["询问近况", "提醒按时吃饭", "爷爷转告身体情况", "通知家长会时间", "讲了最近的作业"]),
    ("home-visit", 12, 22, ("guardian",) * 3 + ("child",), (20, 90),
     ["居住环境整洁", "老人身体尚可", "作业完成较好", "房屋漏雨需修缮", "提醒用电安全", "孩子话少需关注", "冬衣不足",
      "防溺水安全教育", "监护人年迈,照看吃力"]),
    ("school-visit", 6, 7, ("teacher",), (15, 60),
     ["在校表现良好", "上课注意力不集中", "与同学相处融洽", "数学成绩下滑", "班主任反映常迟到", "住校生活已适应"]),
    ("parent-feedback", 12, 12, ("parent",), (5, 20),
     ["反馈学习和生活情况", "发了近期照片", "反馈期中考试成绩", "反馈身体状况", "反馈在校表现", "请父母多打电话"]),
    ("activity", 7, 6, ("child",), (60, 180),
     ["国庆主题活动", "六一儿童节联欢", "中秋节做月饼", "端午节包粽子", "暑期安全教育", "读书分享会", "春节写春联",
      "趣味运动会", "防溺水安全课"]),
    ("aid", 3, 5, ("guardian",), (10, 30),
     ["书包文具", "冬衣棉被", "学习用品", "米和油", "助学金", "课外书", "保暖鞋袜"]),
    ("counseling", 3, 4, ("child",), (30, 60), ["情绪疏导", "谈心", "化解同学矛盾", "缓解考试焦虑", "引导少玩手机"]),
    ("parent-meeting", 3, 2, ("guardian",) * 2 + ("parent",), (60, 120),
     ["期中家长会", "期末家长会", "安全教育家长会", "新学期家长会"]),
]  # fmt: skip
NO_ANSWER_NOTES = ["未接通", "无人接听", "对方关机"]
MANDATORY_NOTE = "儿童独居无人照看,已报告乡镇政府和派出所"

# Helper roles and their shares; "local" roles belong to a village, the others to a school or a township.
ROLES = [
    ("children-director", 10),
    ("village-official", 3),
    ("village-cadre", 12),
    ("party-member", 14),
    ("class-teacher", 15),
    ("volunteer", 10),
    ("loving-mother", 15),
    ("proxy-parent", 11),
    ("temp-dad", 7),
    ("other", 3),
]
LOCAL_ROLES = ("children-director", "village-official", "village-cadre", "party-member", "loving-mother",
               "proxy-parent", "temp-dad")  # fmt: skip

GRADE_NAMES = "一二三四五六七八九"
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
MOBILE_PREFIXES = "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 173 175 176 177 178 " \
    "180 181 182 183 185 186 187 188 189 191 198 199".split()  # fmt: skip

# Uids as lbc makes them (UUID version 7, lbc_cli/uids.py), in the order of the rows' ids, as a county's export
# carries them: the millisecond 2026-08-31 00:00 UTC plus the id // 4096, the id's low 12 bits after the version,
# the variant, and 62 of the row's 128 seeded random bits.
_UID_MS = 1_788_134_400_000
_UID_RANDOM = (1 << 62) - 1


def uid_text(number: int, bits: int) -> str:
    h = f"{((_UID_MS + (number >> 12)) << 80) | (0x7000 | number & 0xFFF) << 64 | 2 << 62 | bits & _UID_RANDOM:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def id_check_digit(first17: str) -> str:
    return ID_CHECK[sum(map(mul, map(int, first17), ID_WEIGHTS)) % 11]


def class_label(grade: int, number: int) -> str:
    """三年级2班, 高一1班: the way a school names a class, so that school + class name is one class."""
    if grade >= 10:
        return f"高{GRADE_NAMES[grade - 10]}{number}班"
    return f"{GRADE_NAMES[grade - 1]}年级{number}班"


class County:
    def __init__(self, children: int, seed: int):
        self.n = children
        self.seed = seed
        self.day = {}  # ordinal -> ISO text, for every date the files write often
        for o in range(YEAR_START - 30, YEAR_END + 120):
            self.day[o] = date.fromordinal(o).isoformat()
        self.n_villages = max(1, children * 3 // 1000)
        self.n_townships = max(1, round(self.n_villages / VILLAGES_PER_TOWNSHIP))
        self._places()

    # ---- small draws ------------------------------------------------------------------------------

    def _table(self, name: str) -> tuple:
        """Each table draws from its own generator, seeded by (seed, table): a table's rows do not depend
        on how many draws the tables before it made, nor on which process makes it."""
        rng = self.rng = random.Random(f"{self.seed}:{name}")  # a str seed is hashed with SHA-512: stable
        self._bits = rng.getrandbits
        rand = rng.random

        # draws from random() alone: several times cheaper than randrange, randint and choice
        def below(n: int) -> int:
            return int(rand() * n)

        def between(low: int, high: int) -> int:
            return low + int(rand() * (high - low + 1))

        def pick(seq):
            return seq[int(rand() * len(seq))]

        self.draws = rand, below, between, pick
        return self.draws

    def uid(self, number: int) -> str:
        return uid_text(number, self._bits(128))

    def mobile(self) -> str:
        _rand, below, _between, pick = self.draws
        return pick(MOBILE_PREFIXES) + f"{below(100000000):08d}"

    def surname(self) -> str:
        return SURNAME_CHARS[bisect(self._surname_cum, self.draws[0]() * self._surname_cum[-1])]

    def work_place(self) -> str:
        return WORK_PLACES[bisect(self._work_cum, self.draws[0]() * self._work_cum[-1])]

    def child_name(self, gender: str, surname: str) -> str:
        rand, _below, _between, pick = self.draws
        pool = BOY_CHARS if gender == "M" else GIRL_CHARS
        if rand() < 0.15:
            return surname + pick(pool)
        return surname + pick(pool) + pick(pool)

    def ethnicity(self, minority: str | None) -> str:
        rand, _below, _between, pick = self.draws
        if minority and rand() < 0.55:
            return minority
        return "汉族" if rand() < 0.97 else pick(ETHNICITIES[1:])

    def adult_name(self, male: bool, elder: bool = False, surname: str | None = None) -> str:
        _rand, _below, _between, pick = self.draws
        if elder:
            pool = ELDER_MEN if male else ELDER_WOMEN
        else:
            pool = ADULT_MEN if male else ADULT_WOMEN
        return (surname or self.surname()) + pick(pool)

    # ---- townships, villages and schools ----------------------------------------------------------

    def _places(self) -> None:
        rand, _below, _between, pick = self._table("places")
        rng = self.rng
        self._surname_cum = list(accumulate(SURNAME_WEIGHTS))
        self._work_cum = list(accumulate(WORK_WEIGHTS))
        stems = [a + b for a in TOWN_FIRST for b in TOWN_SECOND]
        rng.shuffle(stems)
        self.townships = []
        for t in range(self.n_townships):
            stem = stems[t % len(stems)] + ("" if t < len(stems) else str(t // len(stems) + 1))
            self.townships.append(stem + ("乡" if rand() < 0.3 else "镇"))
        village_stems = [a + b for a in VILLAGE_FIRST for b in VILLAGE_SECOND]
        self.villages = []  # (full name, township index, has a village primary school)
        for v in range(self.n_villages):
            t = v * self.n_townships // self.n_villages
            first = v == 0 or (v - 1) * self.n_townships // self.n_villages != t
            if first:
                local = rng.sample(village_stems, min(len(village_stems), VILLAGES_PER_TOWNSHIP * 2))
            stem = local.pop()
            self.villages.append((self.townships[t] + stem + "村", t, rand() < 0.4))
        # a few townships are home to a minority: their children are often of it
        self.minority = [pick(ETHNICITIES[1:]) if rand() < 0.3 else None for _ in self.townships]

    def school_for(self, v: int, schooling: str, grade: int | None) -> tuple[str | None, str | None]:
        """(school, class name) of a child of village v."""
        rand, _below, between, _pick = self.draws
        village, t, has_school = self.villages[v]
        town = self.townships[t]
        if schooling == "preschool":
            return (f"{town}中心幼儿园" if rand() < 0.7 else f"{village}幼儿园"), None
        if schooling == "primary":
            if has_school and grade <= 4:
                return f"{village}小学", class_label(grade, 1)
            school = f"{town}中心小学" if v % 2 == 0 else f"{town}第二小学"
            return school, class_label(grade, between(1, 4))
        if schooling == "junior":
            return f"{town}中学", class_label(grade, between(1, 5))
        if schooling == "senior":
            return (f"{COUNTY}第一中学" if rand() < 0.6 else f"{COUNTY}第二中学"), class_label(grade, between(1, 12))
        if schooling == "vocational":
            return f"{COUNTY}职业中专", class_label(grade, between(1, 8))
        return None, None

    # ---- children ---------------------------------------------------------------------------------

    def children(self) -> list[list]:
        rand, below, between, pick = self._table("children")
        rng, day = self.rng, self.day
        rows = []
        # per child: (village, enrolled, exit or None, priority, lives alone, (school, class) of a pupil, grade)
        self.kids = []
        used_birth_village = set()  # no two children of one village share a birth date: no likely duplicates
        used_name_birth = set()  # import refuses a second child of the same name and birth date
        used_ids = set()
        per_village, extra = divmod(self.n, self.n_villages)
        birth_range = {}  # enrolment day -> the birth days of a child aged 3 to 15 on it
        for enrolled in range(YEAR_START, YEAR_START + 30):
            e = date.fromordinal(enrolled)
            low = date(e.year - AGE_LIMIT, e.month, e.day).toordinal() + 1
            birth_range[enrolled] = low, date(e.year - 3, e.month, e.day).toordinal()
        child_id = 0
        for v, (village, t, _school) in enumerate(self.villages):
            survey = YEAR_START + below(22)  # the village's survey week in September
            minority = self.minority[t]
            for _ in range(per_village + (v < extra)):
                child_id += 1
                enrolled = survey + below(6)
                low, high = birth_range[enrolled]
                birth = between(low, high)
                while (birth, v) in used_birth_village:
                    birth = between(low, high)
                used_birth_village.add((birth, v))
                b = date.fromordinal(birth)
                birth_iso = b.isoformat()
                birth_digits = birth_iso.replace("-", "")
                gender = "M" if rand() < 0.52 else "F"
                surname = self.surname()
                name = self.child_name(gender, surname)
                while (name, birth_iso) in used_name_birth:
                    name = self.child_name(gender, surname)
                used_name_birth.add((name, birth_iso))

                # age on 31 August decides the school grade
                age = 2025 - b.year - ((8, 31) < (b.month, b.day))
                health = "healthy"
                r = rand()
                if r < 0.02:
                    health = "disabled"
                elif r < 0.06:
                    health = "ill"
                schooling, grade = self._schooling(age)
                if health == "disabled" and age >= 6 and rand() < 0.4:
                    schooling, grade = "not-in-school", None
                school, class_name = self.school_for(v, schooling, grade)
                boarding = schooling in ("senior", "vocational") and rand() < 0.8
                boarding = boarding or (schooling == "junior" and rand() < 0.4)
                boarding = boarding or (schooling == "primary" and grade >= 4 and rand() < 0.05)

                id_number = ""
                if rand() < 0.95:
                    while True:
                        seq = below(1000)
                        seq = seq - seq % 2 + (1 if gender == "M" else 0)  # odd 17th digit: a boy
                        first17 = f"{ID_AREA}{birth_digits}{seq:03d}"
                        if first17 not in used_ids:
                            break
                    used_ids.add(first17)
                    id_number = first17 + id_check_digit(first17)

                away = rand()
                away = "both" if away < 0.75 else ("father" if away < 0.92 else "mother")
                flags = []
                if rand() < 0.04 and age >= 6:
                    flags.append("problem")
                hardship = rand() < 0.08
                if hardship:
                    flags.append("hardship")
                if rand() < 0.06:
                    flags.append("single-parent")
                if schooling == "dropout" or (schooling in ("junior", "senior") and rand() < 0.06):
                    flags.append("dropout-risk")
                lives_alone = age >= 10 and rand() < 0.003
                if lives_alone:
                    flags.append("lives-alone")

                r = rand()
                if lives_alone:
                    relation = "none"
                elif away != "both" and r < 0.4:
                    relation = "parent"  # the parent at home is the carer
                elif r < 0.62:
                    relation = "grandparent"
                elif r < 0.8:
                    relation = "maternal-grandparent"
                elif r < 0.95:
                    relation = "relative"
                elif r < 0.997:  # and 0.3% with no guardian at all: urgent
                    relation = "other"
                else:
                    relation = "none"
                male = rand() < 0.4
                if relation == "grandparent":
                    guardian = self.adult_name(male, True, surname if male else None)
                elif relation == "maternal-grandparent":
                    guardian = self.adult_name(male, True)
                elif relation == "parent":
                    guardian = self.adult_name(away == "mother", False, surname if away == "mother" else None)
                elif relation in ("relative", "other"):
                    guardian = self.adult_name(male)
                else:
                    guardian = ""
                guardian_phone = self.mobile() if guardian and rand() < 0.95 else ""
                r = rand()
                rating = "good" if r < 0.6 else ("fair" if r < 0.92 else "poor")
                if relation == "none":
                    rating = "poor"
                priority = hardship or lives_alone or rating == "poor" or "problem" in flags

                assistance = []
                if hardship:
                    picked = sorted(rng.sample(range(5), pick((1, 1, 2))))  # in the catalog's order
                    assistance = [("dibao", "tekun", "temporary", "medical", "housing")[i] for i in picked]
                elif rand() < 0.03:
                    assistance = [pick(("temporary", "medical", "other"))]

                care = ""
                if relation != "none" and rand() < 0.85:
                    care = day[enrolled + below(30)]
                consent = day[enrolled] if rand() < 0.93 else ""
                father_away = away in ("both", "father")
                mother_away = away in ("both", "mother")

                # leaving the programme: aged out (turned 16), parents came home, moved away
                status, exit_reason, exit_day = "active", "", None
                # the 16th birthday; born on 29 February, one turns 16 on 1 March (as lbc counts)
                leap_day = (b.month, b.day) == (2, 29)
                sixteen = date(b.year + AGE_LIMIT, 3 if leap_day else b.month, 1 if leap_day else b.day).toordinal()
                if enrolled + 30 <= sixteen <= YEAR_END - 10 and rand() < 0.7:
                    status, exit_reason, exit_day = "exited", "aged-out", sixteen + below(10)
                elif rand() < 0.04:
                    status = "exited"
                    exit_reason = rng.choices(("parents-returned", "moved", "other"), (6, 3, 1))[0]
                    exit_day = between(enrolled + 30, YEAR_END)
                reviewed = enrolled
                if rand() < 0.3 and (exit_day is None or exit_day > enrolled + 200):
                    reviewed = enrolled + between(150, min(330, (exit_day or YEAR_END) - enrolled))

                group = between(1, 8)
                rows.append(
                    [
                        child_id, self.uid(child_id), name, gender,
                        self.ethnicity(minority),
                        birth_iso, id_number, village, f"{group}组", f"{village}{group}组{between(1, 80)}号",
                        school or "", grade if grade is not None else "", class_name or "", schooling,
                        int(boarding), health, guardian, relation, guardian_phone, rating, care, consent,
                        int(father_away),
                        self.work_place() if father_away and rand() < 0.97 else "",
                        self.mobile() if father_away and rand() < 0.9 else "",
                        int(mother_away),
                        self.work_place() if mother_away and rand() < 0.97 else "",
                        self.mobile() if mother_away and rand() < 0.9 else "",
                        ";".join(f for f in ("problem", "hardship", "single-parent", "dropout-risk", "lives-alone")
                                 if f in flags),
                        ";".join(assistance),
                        "、".join(rng.sample(HOBBIES, pick((1, 1, 2)))) if rand() < 0.6 else "",
                        pick(FAMILY_NOTES) if rand() < 0.15 else "",
                        status, exit_reason, day[exit_day] if exit_day else "", day[enrolled], day[reviewed],
                    ]
                )  # fmt: skip
                pupil = schooling in ("primary", "junior", "senior", "vocational")
                self.kids.append(
                    (v, enrolled, exit_day, priority, lives_alone, (school, class_name) if pupil else None, grade)
                )
        return rows

    def _schooling(self, age: int) -> tuple[str, int | None]:
        rand, _below, _between, _pick = self.draws
        r = rand()
        if age <= 3:
            return ("preschool", None) if r < 0.55 else ("not-in-preschool", None)
        if age <= 5:
            return ("preschool", None) if r < 0.88 else ("not-in-preschool", None)
        if age <= 11:
            return "primary", (age - 5 if r < 0.92 or age == 6 else age - 6)
        if age <= 14:
            if age == 12 and r < 0.06:
                return "primary", 6
            if age >= 13 and r < 0.03:
                return "dropout", None
            if r > 0.99:
                return "not-in-school", None
            return "junior", age - 5
        if r < 0.5:
            return "senior", 10
        if r < 0.72:
            return "vocational", 10
        if r < 0.87:
            return "junior", 9
        if r < 0.96:
            return "dropout", None
        return "not-in-school", None

    # ---- helpers ----------------------------------------------------------------------------------

    def helpers(self) -> list[list]:
        rand, _below, _between, pick = self._table("helpers")
        rng = self.rng
        count = max(10, self.n * 3 // 100)
        roles = []
        for role, share in ROLES:
            roles += [role] * (count * share // 100)
        roles += [role for role, _s in ROLES if role not in ("class-teacher",)][: count - len(roles)]
        roles = roles[:count]
        rng.shuffle(roles)
        # classes, biggest first: each class teacher takes one (school, class name)
        class_sizes: dict[tuple, int] = {}
        for kid in self.kids:
            if kid[5] is not None:
                class_sizes[kid[5]] = class_sizes.get(kid[5], 0) + 1
        classes = sorted(class_sizes, key=lambda k: -class_sizes[k])
        self.teacher_of: dict[tuple, int] = {}
        self.local = [[] for _ in self.villages]  # village -> active helpers living there
        self.township_pool = [[] for _ in self.townships]  # township -> active helpers, any role but teachers
        self.inactive_pool = [[] for _ in self.townships]
        rows = []
        self.inactive = set()
        directors = locals_ = teachers = other = 0
        for i, role in enumerate(roles):
            helper_id = i + 1
            male = rand() < (0.8 if role == "temp-dad" else 0.0 if role == "loving-mother" else 0.5)
            name = self.adult_name(male)
            active = role == "children-director" or rand() >= 0.03
            if not active:
                self.inactive.add(helper_id)
            village = organization = ""
            t = None
            if role == "class-teacher":
                if classes:
                    key = classes[teachers % len(classes)]
                    if active:  # a teacher who left keeps no class
                        self.teacher_of.setdefault(key, helper_id)
                    organization = key[0]
                else:
                    organization = f"{self.townships[teachers % len(self.townships)]}中心小学"
                teachers += 1
            elif role in LOCAL_ROLES:
                # one children's director to a village, the others in turn round the villages
                if role == "children-director":
                    v = directors % len(self.villages)
                    directors += 1
                else:
                    v = locals_ % len(self.villages)
                    locals_ += 1
                village, t, _s = self.villages[v]
                if active:
                    self.local[v].append(helper_id)
                committee = village.removesuffix("村") + "村委会"
                organization = {
                    "children-director": committee,
                    "village-official": committee,
                    "village-cadre": committee,
                    "party-member": village + "党支部",
                    "loving-mother": self.townships[t] + "妇联",
                }.get(role, "")
            else:
                t = other % len(self.townships)
                other += 1
                organization = (
                    pick((f"{self.townships[t]}团委", f"{COUNTY}青年志愿者协会"))
                    if role == "volunteer"
                    else pick((f"{COUNTY}关工委", f"{self.townships[t]}民政办", f"{self.townships[t]}派出所"))
                )
            if t is not None:
                (self.township_pool if active else self.inactive_pool)[t].append(helper_id)
            rows.append(
                [helper_id, self.uid(helper_id), name, role, self.mobile() if rand() < 0.95 else "", organization,
                 village, int(active)]
            )  # fmt: skip
        self.all_active = [r[0] for r in rows if r[7] and r[3] != "class-teacher"] or [rows[0][0]]
        return rows

    # ---- pairings ---------------------------------------------------------------------------------

    def pairs(self) -> list[list]:
        """Every child one pairing with a helper of its village from its first weeks; then, up to 3N/2 in
        all, a class teacher, a second helper, or a former helper whose pairing ended (some return later)."""
        rand, below, between, pick = self._table("pairs")
        day = self.day
        target = self.n * 3 // 2
        spans = []  # (start, child, helper, end or None, note)
        self.spans_of = [[] for _ in self.kids]  # child -> [(helper, start, end)]
        for c, (v, enrolled, exit_day, *_rest) in enumerate(self.kids):
            t = self.villages[v][1]
            pool = self.local[v] or self.township_pool[t] or self.all_active
            start = enrolled + below(15)
            if exit_day is not None:
                start = min(start, exit_day - 1)
            helper = pick(pool)
            note = pick(PAIR_NOTES) if rand() < 0.2 else ""
            spans.append((start, c, helper, exit_day, note))
            self.spans_of[c].append((helper, start, exit_day))
        attempts = 0
        while len(spans) < target and attempts < 50 * target:
            attempts += 1
            c = below(len(self.kids))
            v, enrolled, exit_day, _p, _a, class_key, _g = self.kids[c]
            t = self.villages[v][1]
            mine = self.spans_of[c]
            first_start = mine[0][1]
            last = min(PAIR_LAST_START, (exit_day or YEAR_END + 1) - 1)
            r = rand()
            end = exit_day
            note = ""
            if r < 0.4 and class_key in self.teacher_of:
                helper = self.teacher_of[class_key]
                start = min(first_start + below(21), last)
                note = "学校结对" if rand() < 0.3 else ""
            elif r < 0.75:
                former = [
                    h
                    for h, _s, e in mine
                    if e is not None and (exit_day is None or e < exit_day) and h not in self.inactive
                ]
                if former and rand() < 0.3:
                    helper = pick(former)  # the same helper again, after a gap
                else:
                    helper = pick(self.township_pool[t] or self.all_active)
                ends = [e for h, _s, e in mine if h == helper and e is not None]
                low = max([first_start, *ends])
                if low > last:
                    continue
                start = between(low, last)
            else:
                pool = self.inactive_pool[t] if self.inactive_pool[t] and rand() < 0.5 else None
                helper = pick(pool or self.township_pool[t] or self.all_active)
                if last - 30 < enrolled:
                    continue
                start = between(enrolled, last - 30)
                end = min(start + between(30, 150), exit_day or YEAR_END)
                note = pick(PAIR_END_NOTES) if rand() < 0.5 else ""
            if start < enrolled or start > last:
                continue
            clash = any(
                h == helper and (e is None or start < e) and (end is None or s < end) for h, s, e in mine
            )  # import refuses two pairings of one couple that overlap
            if clash:
                continue
            spans.append((start, c, helper, end, note))
            mine.append((helper, start, end))
        spans.sort(key=lambda s: (s[0], s[1]))
        return [
            [i, self.uid(i), c + 1, helper, day[start], day[end] if end else "", note]
            for i, (start, c, helper, end, note) in enumerate(spans, 1)
        ]

    # ---- contacts ---------------------------------------------------------------------------------

    def contacts(self) -> list[list]:
        """10N contacts, more for priority children, none before enrolment nor after a child's exit; the
        helper is one of the child's pairings in force that day (none before the first one starts)."""
        rand, below, between, pick = self._table("contacts")
        day, bits = self.day, self._bits
        target = self.n * 10
        # Each child's share follows the days it is in the programme, more for a priority child, times a
        # family's own zeal; rounding the running total gives exactly `target` in all.
        per_child = []
        expected = [
            ((exit_day or YEAR_END) - enrolled + 1) * (1.6 if priority else 1.0) * (0.3 + 1.4 * rand())
            for _v, enrolled, exit_day, priority, *_rest in self.kids
        ]
        scale = target / sum(expected)
        running, offset, done = 0.0, rand(), 0
        for share in expected:
            running += share * scale
            upto = min(target, int(running + offset))
            per_child.append(upto - done)
            done = upto
        per_child[-1] += target - done
        # The rest of a contact (kind, with whom, minutes, note, follow-up delay, no answer) comes from a
        # pool drawn once with the right frequencies: one draw a contact instead of six.
        tails = []
        for weight_index in (1, 2):  # an ordinary child's pool, a priority child's
            cum = list(accumulate(k[weight_index] for k in KINDS))
            pool = []
            for _ in range(1 << 14):
                kind, _w, _pw, with_pool, (low, high), notes = KINDS[bisect(cum, rand() * cum[-1])]
                minutes = between(low, high) if rand() < 0.9 else ""
                note = pick(notes) if rand() < 0.45 else ""
                no_answer = 0
                if kind in ("video-call", "phone-call") and rand() < 0.06:
                    no_answer, minutes, note = 1, "", pick(NO_ANSWER_NOTES)
                follow = between(7, 30) if kind in ("home-visit", "counseling", "aid") and rand() < 0.08 else 0
                pool.append((kind, pick(with_pool), minutes, note, follow, no_answer))
            tails.append(pool)
        size = 1 << 14
        by_day = [[] for _ in range(YEAR_END - YEAR_START + 1)]
        for c, count in enumerate(per_child):
            if not count:
                continue
            _v, enrolled, exit_day, priority, lives_alone, class_key, _g = self.kids[c]
            child_id = c + 1
            span = (exit_day or YEAR_END) - enrolled + 1
            spans = self.spans_of[c]
            only = spans[0] if len(spans) == 1 else None
            pool = tails[priority]
            if lives_alone:  # reported within days of the survey
                when = enrolled + below(8)
                helper = next((h for h, s, e in spans if s <= when and (e is None or e > when)), "")
                row = [0, "", child_id, helper, "mandatory-report", day[when], "", "", MANDATORY_NOTE, day[when + 1], 0]
                by_day[when - YEAR_START].append(row)
                count -= 1
            for _ in range(count):
                when = enrolled + int(rand() * span)
                kind, with_whom, minutes, note, follow, no_answer = pool[int(rand() * size)]
                while kind == "school-visit" and (class_key is None or when >= SUMMER):  # no school, or holidays
                    kind, with_whom, minutes, note, follow, no_answer = pool[int(rand() * size)]
                if only is not None:
                    h, s, e = only
                    helper = h if s <= when and (e is None or e > when) else ""
                else:
                    helpers = [h for h, s, e in spans if s <= when and (e is None or e > when)]
                    helper = (helpers[0] if len(helpers) == 1 else pick(helpers)) if helpers else ""
                row = [
                    0, "", child_id, helper, kind, day[when], with_whom, minutes, note,
                    day[when + follow] if follow else "", no_answer,
                ]  # fmt: skip
                by_day[when - YEAR_START].append(row)
        rows = []
        for bucket in by_day:  # ids in the order the contacts happened
            rows += bucket
        for number, row in enumerate(rows, 1):
            row[0], row[1] = number, uid_text(number, bits(128))
        return rows

    # ---- exams ------------------------------------------------------------------------------------

    def exams(self) -> list[list]:
        """3N class ranks: every pupil's terms of this school year first, then last year's term 2 (the
        assessment's baseline), then earlier terms back to the pupil's first grade, as far as 3N goes."""
        rand, _below, between, _pick = self._table("exams")
        rng = self.rng
        target = self.n * 3
        class_size = {}
        pupils = []  # (child, [slots newest first], ability, class size now, class size before, grade now)
        for c, (_v, _e, exit_day, _p, _a, class_key, grade) in enumerate(self.kids):
            if class_key is None:
                continue
            slots = []
            for year in range(SCHOOL_YEAR, max(SCHOOL_YEAR - 9, SCHOOL_YEAR - grade), -1):
                for term in (2, 1):
                    if year == SCHOOL_YEAR and exit_day is not None:
                        if (term == 2 and exit_day < TERM2_END) or (term == 1 and exit_day < TERM1_END):
                            continue
                    slots.append((year, term))
            if class_key not in class_size:
                class_size[class_key] = between(28, 56)
            pupils.append((c, slots, rand(), class_size[class_key], between(28, 56), grade))
        chosen = []  # (slot index newest first, pupil)
        level = 0
        while len(chosen) < target:
            have = [p for p in pupils if len(p[1]) > level]
            if not have:
                break
            if len(chosen) + len(have) > target:
                have = rng.sample(have, target - len(chosen))
            chosen += [(level, p) for p in have]
            level += 1
        rows = []
        for level, (c, slots, ability, size_now, size_before, grade) in chosen:
            year, term = slots[level]
            top = 300 if grade - (SCHOOL_YEAR - year) <= 6 else 750  # primary: two subjects; later: more
            size = size_now if year == SCHOOL_YEAR else size_before
            # ability drifts a little from term to term; rank 1 is the top of the class
            drift = ability + (rand() - 0.5) * 0.3 - level * 0.005
            rank = min(size, max(1, round(min(max(drift, 0.0), 1.0) * size + 0.5)))
            score = round(top * (0.95 - 0.55 * rank / size) + rand() * 16 - 8, 1)
            merit = int(term == 2 and rank <= 3 and rand() < 0.6)
            violation = int(rand() < 0.004)
            score = max(score, 0.0)
            # 643.0 as 643, the way `lbc export` writes it
            rows.append([year, term, c + 1, rank, size, int(score) if score.is_integer() else score, merit, violation])
        rows.sort(key=lambda r: (r[0], r[1], r[2]))
        return [
            [i, self.uid(i), c, year, term, rank, size, score, merit, violation]
            for i, (year, term, c, rank, size, score, merit, violation) in enumerate(rows, 1)
        ]


def write(path: str, columns: list[str], rows: list[list]) -> None:
    with open(path, "w", encoding="utf-8", newline="", buffering=1 << 20) as stream:
        writer = csv.writer(stream, lineterminator="\r\n")  # as `lbc export` writes
        writer.writerow(columns)
        for start in range(0, len(rows), BATCH):
            writer.writerows(rows[start : start + BATCH])


def produce(county: County, name: str, out: str) -> int:
    rows = getattr(county, name)()
    write(os.path.join(out, name + ".csv"), COLUMNS[name], rows)
    return len(rows)


def _contacts_worker(county: County, out: str, pipe) -> None:
    pipe.send(produce(county, "contacts", out))
    pipe.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic county as lbc import files (CSV).")
    parser.add_argument("--out", required=True, help="directory for the five CSV files")
    parser.add_argument("--children", type=int, default=100_000, help="number of children (default 100000)")
    parser.add_argument("--seed", type=int, default=2025, help="random seed (default 2025)")
    parser.add_argument(
        "--jobs", type=int, choices=(1, 2), default=2, help="2 (default): contacts and exams in two processes"
    )
    args = parser.parse_args(argv)
    if args.children < 1:
        parser.error("--children must be at least 1")
    os.makedirs(args.out, exist_ok=True)
    gc.disable()  # millions of small lists and no cycles: the collector would only rescan them, again and again
    began = time.perf_counter()
    county = County(args.children, args.seed)
    counts: dict[str, int | None] = {}
    for name in ("children", "helpers", "pairs"):  # foreign-key order: each draws on the ones before
        counts[name] = produce(county, name, args.out)
    # Contacts (the biggest table) and exams need only those three: a forked process writes the contacts
    # while this one writes the exams. Each table has its own generator, so the files are the same either way.
    if args.jobs == 2 and hasattr(os, "fork"):
        import multiprocessing

        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        worker = context.Process(target=_contacts_worker, args=(county, args.out, send))
        worker.start()
        send.close()
        counts["exams"] = produce(county, "exams", args.out)
        try:
            counts["contacts"] = receive.recv()
        except EOFError:  # the worker died: its traceback is on stderr already
            counts["contacts"] = None
        worker.join()
        if worker.exitcode != 0 or counts["contacts"] is None:
            sys.stderr.write("gen.py: writing contacts.csv failed\n")
            return 1
    else:
        counts["contacts"] = produce(county, "contacts", args.out)
        counts["exams"] = produce(county, "exams", args.out)
    for name in COLUMNS:
        sys.stderr.write(f"{name}.csv: {counts[name]} rows\n")
    sys.stderr.write(f"done in {time.perf_counter() - began:.1f} s\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
