"""The year's assessment (考核及奖励), SPEC section 5: the pure rules, their properties, and the commands
`exam add/list`, `score` and `export scores`. Every expected number is worked out by hand in a comment."""

import csv
import io
import json
import re
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from conftest import copy_db, execute, new_target, rows
from hypothesis import given, settings
from hypothesis import strategies as st

from lbc_cli.rules.scoring import ChildScore, ExamFacts, assess, awards, score_child, score_helper

# SPEC section 5 defaults, written out again here rather than read from lbc_cli.settings.
RULES = {
    "rank_step": 1,
    "points_per_step": 1,
    "top_keep_rank": 10,
    "top_keep_points": 5,
    "no_violation_points": 2,
    "merit_student_points": 5,
    "yuan_per_point": 1,
    "first_place_yuan": 100,
    "excellence_max_rank": 5,
    "excellence_yuan": 50,
    "progress_min_ranks": 5,
    "progress_yuan": 30,
}

PROPERTY = settings(database=None, deadline=None, max_examples=200)


def facts(child_id=1, *, term1=None, term2=None, last=None, violation=False, merit=False, name=None):
    return ExamFacts(child_id, name or f"child{child_id}", term1, term2, last, violation, merit)


def scored(child_id: int, score: int | None) -> ChildScore:
    """A ChildScore holding only what a helper's score reads (None score = missing-rank)."""
    if score is None:
        return ChildScore(child_id, f"child{child_id}", None, None, None, None, None, None, None, "missing-rank")
    return ChildScore(child_id, f"child{child_id}", 1, 1, 0, 0, 0, 0, score, "")


def parts(result: ChildScore) -> tuple:
    return (
        result.baseline_rank,
        result.rank,
        result.rank_points,
        result.keep_points,
        result.conduct_points,
        result.merit_points,
        result.score,
        result.note,
    )


# ---- pupils: score_child ----------------------------------------------------------------------


def test_first_year_compares_with_term_1():
    # no rank of last year: baseline = Y's term-1 rank 12; rank 7
    # rank_points = floor(max(12 - 7, 0) / 1) * 1 = 5; keep: 12 > 10 -> 0; conduct 2; merit 0; score 7
    assert parts(score_child(facts(term1=12, term2=7), RULES)) == (12, 7, 5, 0, 2, 0, 7, "")


def test_second_year_compares_with_last_years_term_2():
    # last year's term 2 was 8; this year's term 1 (15) is not the baseline: baseline 8, rank 6
    # rank_points = 8 - 6 = 2; keep: 8 <= 10 and 6 <= 10 -> 5; conduct 2; merit 0; score 2 + 5 + 2 = 9
    # (with term 1 as baseline it would have been 9 + 0 + 2 = 11 and no keep points)
    assert parts(score_child(facts(term1=15, term2=6, last=8), RULES)) == (8, 6, 2, 5, 2, 0, 9, "")


def test_last_years_term_2_is_the_baseline_even_without_a_term_1():
    # baseline 12 (last year), rank 4: rank_points 8; keep: 12 > 10 -> 0; conduct 2; score 10
    assert parts(score_child(facts(term2=4, last=12), RULES)) == (12, 4, 8, 0, 2, 0, 10, "")


@pytest.mark.parametrize(
    ("baseline", "rank", "expected"),
    [
        # stays 3rd: rank_points 0; keep 5 (3 <= 10, 3 <= 10); conduct 2 -> 7
        (3, 3, (3, 3, 0, 5, 2, 0, 7, "")),
        # 10th to 10th: both exactly top_keep_rank -> keep 5; 0 + 5 + 2 = 7
        (10, 10, (10, 10, 0, 5, 2, 0, 7, "")),
        # 11th to 10th: rank_points 1; baseline 11 > 10 -> keep 0; 1 + 0 + 2 = 3
        (11, 10, (11, 10, 1, 0, 2, 0, 3, "")),
        # 10th to 11th: worse -> rank_points 0; rank 11 > 10 -> keep 0; 0 + 0 + 2 = 2
        (10, 11, (10, 11, 0, 0, 2, 0, 2, "")),
        # 2nd to 1st: rank_points 1; keep 5; 1 + 5 + 2 = 8
        (2, 1, (2, 1, 1, 5, 2, 0, 8, "")),
    ],
)
def test_keep_top_bonus(baseline, rank, expected):
    assert parts(score_child(facts(term1=baseline, term2=rank), RULES)) == expected


def test_a_worse_rank_earns_no_rank_points():
    # baseline 5, rank 9: max(5 - 9, 0) = 0 rank points; keep: 5 <= 10, 9 <= 10 -> 5; conduct 2 -> 7
    assert parts(score_child(facts(term1=5, term2=9), RULES)) == (5, 9, 0, 5, 2, 0, 7, "")


def test_serious_violation_loses_the_conduct_points():
    # baseline 20, rank 15: rank_points 5; keep 0; conduct 0 (violation); merit 0 -> 5
    assert parts(score_child(facts(term1=20, term2=15, violation=True), RULES)) == (20, 15, 5, 0, 0, 0, 5, "")


def test_merit_student_adds_its_points():
    # baseline 20, rank 15: rank_points 5; keep 0; conduct 2; merit 5 -> 12
    assert parts(score_child(facts(term1=20, term2=15, merit=True), RULES)) == (20, 15, 5, 0, 2, 5, 12, "")


def test_merit_student_with_a_violation():
    # baseline 4, rank 2: rank_points 2; keep 5; conduct 0; merit 5 -> 12
    result = score_child(facts(term1=4, term2=2, violation=True, merit=True), RULES)
    assert parts(result) == (4, 2, 2, 5, 0, 5, 12, "")


def test_no_baseline_scores_only_conduct_and_merit():
    # term-2 rank 3 but neither a term-1 rank this year nor a term-2 rank last year:
    # rank_points 0, keep 0 (even inside the top 10), conduct 2, merit 5 -> 7, note no-baseline
    result = score_child(facts(7, term2=3, merit=True, name="王五"), RULES)
    assert result.child_id == 7 and result.name == "王五"
    assert parts(result) == (None, 3, 0, 0, 2, 5, 7, "no-baseline")
    # with a violation and no merit: 0 + 0 + 0 + 0 = 0, still listed with its note
    assert parts(score_child(facts(term2=3, violation=True), RULES)) == (None, 3, 0, 0, 0, 0, 0, "no-baseline")


def test_missing_term_2_rank_has_no_score():
    # a term-1 rank and last year's rank do not make a score without Y's term-2 rank
    result = score_child(facts(4, term1=5, last=6, merit=True, name="李四"), RULES)
    assert result.child_id == 4 and result.name == "李四"
    assert parts(result) == (None, None, None, None, None, None, None, "missing-rank")


def test_rank_step_three_floors_the_steps():
    rules = {**RULES, "rank_step": 3, "points_per_step": 2}
    # baseline 20, rank 12: 8 ranks gained; floor(8 / 3) = 2 steps * 2 points = 4; keep 0; conduct 2 -> 6
    assert parts(score_child(facts(term1=20, term2=12), rules)) == (20, 12, 4, 0, 2, 0, 6, "")
    # baseline 20, rank 18: 2 ranks; floor(2 / 3) = 0 -> 0 rank points; conduct 2 -> 2
    assert parts(score_child(facts(term1=20, term2=18), rules)) == (20, 18, 0, 0, 2, 0, 2, "")
    # baseline 20, rank 11: 9 ranks; exactly 3 steps * 2 = 6; conduct 2 -> 8
    assert parts(score_child(facts(term1=20, term2=11), rules)) == (20, 11, 6, 0, 2, 0, 8, "")


def test_changed_rule_values_for_a_pupil():
    rules = {
        **RULES,
        "points_per_step": 3,
        "top_keep_rank": 5,
        "top_keep_points": 4,
        "no_violation_points": 1,
        "merit_student_points": 10,
    }
    # baseline 8, rank 5: 3 ranks * 3 = 9; keep: 8 > 5 -> 0; conduct 1; merit 10 -> 20
    assert parts(score_child(facts(term1=8, term2=5, merit=True), rules)) == (8, 5, 9, 0, 1, 10, 20, "")
    # baseline 5, rank 4: 1 * 3 = 3; keep: 5 <= 5 and 4 <= 5 -> 4; conduct 1; merit 0 -> 8
    assert parts(score_child(facts(term1=5, term2=4), rules)) == (5, 4, 3, 4, 1, 0, 8, "")
    # the same pupil with the defaults: 1 + 5 + 2 = 8 too, but from other parts
    assert parts(score_child(facts(term1=5, term2=4), RULES)) == (5, 4, 1, 5, 2, 0, 8, "")


# ---- helpers: score_helper --------------------------------------------------------------------


def test_class_teacher_gets_the_mean_rounded_half_up():
    # (7 + 7 + 6) / 3 = 20 / 3 = 6.666... -> 6.67; yuan 6.67 * 1 = 6.67
    result = score_helper(3, "王老师", "class-teacher", [scored(1, 7), scored(2, 7), scored(3, 6)], RULES)
    assert (result.helper_id, result.name, result.role, result.children) == (3, "王老师", "class-teacher", 3)
    assert str(result.score) == "6.67" and str(result.yuan) == "6.67"


def test_class_teacher_mean_on_an_exact_half_rounds_up_not_to_even():
    # (10 + 10 + 10 + 10 + 1 + 0 + 0 + 0) / 8 = 41 / 8 = 5.125 -> 5.13 (half-even would give 5.12)
    kids = [scored(i, s) for i, s in enumerate([10, 10, 10, 10, 1, 0, 0, 0], start=1)]
    result = score_helper(1, "T", "class-teacher", kids, RULES)
    assert str(result.score) == "5.13" and result.children == 8
    # 1 / 8 = 0.125 -> 0.13
    kids = [scored(i, s) for i, s in enumerate([1, 0, 0, 0, 0, 0, 0, 0], start=1)]
    assert str(score_helper(1, "T", "class-teacher", kids, RULES).score) == "0.13"


def test_volunteer_gets_the_sum_and_the_teacher_the_mean_of_the_same_children():
    kids = [scored(1, 17), scored(2, 21), scored(3, 0)]
    # volunteer: 17 + 21 + 0 = 38.00; class teacher: 38 / 3 = 12.666... -> 12.67
    volunteer = score_helper(1, "V", "volunteer", kids, RULES)
    teacher = score_helper(2, "T", "class-teacher", kids, RULES)
    assert (str(volunteer.score), str(volunteer.yuan), volunteer.children) == ("38.00", "38.00", 3)
    assert (str(teacher.score), str(teacher.yuan), teacher.children) == ("12.67", "12.67", 3)


@pytest.mark.parametrize("role", ["volunteer", "loving-mother", "proxy-parent", "party-member", "other"])
def test_every_other_role_sums(role):
    # 4 + 5 = 9.00
    result = score_helper(1, "H", role, [scored(1, 4), scored(2, 5)], RULES)
    assert str(result.score) == "9.00" and result.children == 2


def test_a_missing_rank_child_is_not_counted():
    kids = [scored(1, 9), scored(2, None), scored(3, 4)]
    # volunteer: 9 + 4 = 13.00 over 2 children; teacher: (9 + 4) / 2 = 6.50 (not 13 / 3 = 4.33)
    volunteer = score_helper(1, "V", "volunteer", kids, RULES)
    teacher = score_helper(1, "T", "class-teacher", kids, RULES)
    assert (str(volunteer.score), volunteer.children) == ("13.00", 2)
    assert (str(teacher.score), teacher.children) == ("6.50", 2)


def test_a_helper_without_scored_children_gets_zero():
    for role in ("class-teacher", "volunteer"):
        result = score_helper(1, "H", role, [scored(1, None)], RULES)
        assert (str(result.score), str(result.yuan), result.children) == ("0.00", "0.00", 0)


def test_yuan_per_point_multiplies_the_rounded_score():
    rules = {**RULES, "yuan_per_point": 1.5}
    # teacher: 20 / 3 -> 6.67; 6.67 * 1.5 = 10.005 -> 10.01 (half up)
    teacher = score_helper(1, "T", "class-teacher", [scored(1, 7), scored(2, 7), scored(3, 6)], rules)
    assert (str(teacher.score), str(teacher.yuan)) == ("6.67", "10.01")
    # volunteer: 7 + 7 + 6 = 20; 20 * 1.5 = 30.00
    volunteer = score_helper(1, "V", "volunteer", [scored(1, 7), scored(2, 7), scored(3, 6)], rules)
    assert (str(volunteer.score), str(volunteer.yuan)) == ("20.00", "30.00")
    # 2 yuan a point: 20 * 2 = 40.00
    assert str(score_helper(1, "V", "volunteer", [scored(1, 20)], {**RULES, "yuan_per_point": 2}).yuan) == "40.00"


# ---- pupils' awards ---------------------------------------------------------------------------


def award_set(found) -> list[tuple]:
    return sorted((a.child_id, a.award, str(a.yuan)) for a in found)


@pytest.mark.parametrize(
    ("term1", "term2", "expected"),
    [
        (1, 1, [("first-place", "100.00")]),  # rank 1; 1 - 1 = 0 ranks gained
        (3, 2, [("excellence", "50.00")]),  # rank 2 is the first excellence rank
        (5, 5, [("excellence", "50.00")]),  # rank 5 = excellence_max_rank
        (6, 6, []),  # rank 6 > 5, no progress
        (11, 6, [("progress", "30.00")]),  # 11 - 6 = 5 >= 5: progress only
        (10, 6, []),  # 10 - 6 = 4 < 5
        (8, 1, [("first-place", "100.00"), ("progress", "30.00")]),  # 8 - 1 = 7: both
        (10, 3, [("excellence", "50.00"), ("progress", "30.00")]),  # 10 - 3 = 7: both
        (None, 1, [("first-place", "100.00")]),  # no term 1: no progress possible
        (1, None, []),  # no term-2 rank: no award at all
    ],
)
def test_awards_on_the_years_ranks(term1, term2, expected):
    found = awards([facts(5, term1=term1, term2=term2)], RULES)
    assert sorted((a.award, str(a.yuan)) for a in found) == sorted(expected)
    assert all(a.child_id == 5 and a.name == "child5" for a in found)


def test_progress_compares_this_years_terms_not_last_year():
    # last year's term 2 was 20, this year 5 -> 3: 5 - 3 = 2 < 5, no progress; rank 3 -> excellence
    assert award_set(awards([facts(1, term1=5, term2=3, last=20)], RULES)) == [(1, "excellence", "50.00")]


def test_changed_award_values():
    rules = {
        **RULES,
        "first_place_yuan": 200,
        "excellence_max_rank": 3,
        "excellence_yuan": 80,
        "progress_min_ranks": 3,
        "progress_yuan": 12.5,
    }
    records = [
        facts(1, term1=2, term2=1),  # first place 200.00; 2 - 1 = 1 < 3
        facts(2, term1=3, term2=3),  # rank 3 = excellence_max_rank -> 80.00
        facts(3, term1=7, term2=4),  # rank 4 > 3: no excellence; 7 - 4 = 3 >= 3 -> progress 12.50
        facts(4, term1=5, term2=5),  # nothing
    ]
    assert award_set(awards(records, rules)) == [
        (1, "first-place", "200.00"),
        (2, "excellence", "80.00"),
        (3, "progress", "12.50"),
    ]


# ---- the whole year: assess ----------------------------------------------------------------


def test_assess_worked_example():
    records = [
        facts(1, term1=6, term2=3, last=8, merit=True, name="安"),  # 5 + 5 + 2 + 5 = 17
        facts(2, term1=20, term2=1, name="白"),  # 19 + 0 + 2 + 0 = 21
        facts(3, term1=12, term2=14, violation=True, name="陈"),  # 0 + 0 + 0 + 0 = 0
        facts(4, term2=9, name="邓"),  # no-baseline: 0 + 0 + 2 + 0 = 2
        facts(5, term1=4, name="方"),  # missing-rank
    ]
    pairings = [
        (10, "王老师", "class-teacher", 1),
        (10, "王老师", "class-teacher", 2),
        (10, "王老师", "class-teacher", 3),
        (10, "王老师", "class-teacher", 5),
        (20, "刘志愿", "volunteer", 1),
        (20, "刘志愿", "volunteer", 2),
        (20, "刘志愿", "volunteer", 2),  # paired twice in the year: counts once
        (20, "刘志愿", "volunteer", 4),
        (20, "刘志愿", "volunteer", 5),
        (30, "孙党员", "party-member", 99),  # a child without exams in Y
    ]
    children, helpers, prizes = assess(records, pairings, RULES)
    assert [(c.child_id, c.score, c.note) for c in children] == [
        (1, 17, ""),
        (2, 21, ""),
        (3, 0, ""),
        (4, 2, "no-baseline"),
        (5, None, "missing-rank"),
    ]
    # teacher: (17 + 21 + 0) / 3 = 38 / 3 = 12.67 over 3 children; volunteer: 17 + 21 + 2 = 40.00 over 3
    assert sorted((h.helper_id, h.role, h.children, str(h.score), str(h.yuan)) for h in helpers) == [
        (10, "class-teacher", 3, "12.67", "12.67"),
        (20, "volunteer", 3, "40.00", "40.00"),
        (30, "party-member", 0, "0.00", "0.00"),
    ]
    # 安: rank 3 -> excellence, 6 - 3 = 3 < 5; 白: rank 1 and 20 - 1 = 19 -> both; 陈 14, 邓 9, 方 none
    assert award_set(prizes) == [(1, "excellence", "50.00"), (2, "first-place", "100.00"), (2, "progress", "30.00")]


def test_assess_with_a_lower_keep_rank():
    # top_keep_rank 5: 安 (baseline 8) loses its 5 keep points: 17 -> 12; 白 (baseline 20) keeps 21
    rules = {**RULES, "top_keep_rank": 5}
    records = [facts(1, term1=6, term2=3, last=8, merit=True), facts(2, term1=20, term2=1)]
    pairings = [(1, "T", "class-teacher", 1), (1, "T", "class-teacher", 2), (2, "V", "volunteer", 1)]
    children, helpers, _ = assess(records, pairings, rules)
    assert [c.score for c in children] == [12, 21]
    # teacher (12 + 21) / 2 = 16.50; volunteer 12.00
    assert sorted((h.helper_id, str(h.score)) for h in helpers) == [(1, "16.50"), (2, "12.00")]


# ---- properties -------------------------------------------------------------------------------

ranks = st.integers(min_value=1, max_value=60)
maybe_rank = st.one_of(st.none(), ranks)
rule_values = st.fixed_dictionaries(
    {
        "rank_step": st.integers(1, 5),
        "points_per_step": st.integers(0, 5),
        "top_keep_rank": st.integers(1, 20),
        "top_keep_points": st.integers(0, 10),
        "no_violation_points": st.integers(0, 5),
        "merit_student_points": st.integers(0, 10),
        "yuan_per_point": st.integers(0, 5),
        "first_place_yuan": st.integers(0, 500),
        "excellence_max_rank": st.integers(2, 10),
        "excellence_yuan": st.integers(0, 200),
        "progress_min_ranks": st.integers(1, 20),
        "progress_yuan": st.integers(0, 200),
    }
)


@st.composite
def year_records(draw, min_size=0):
    n = draw(st.integers(min_size, 8))
    return [
        facts(
            i,
            term1=draw(maybe_rank),
            term2=draw(maybe_rank),
            last=draw(maybe_rank),
            violation=draw(st.booleans()),
            merit=draw(st.booleans()),
        )
        for i in range(1, n + 1)
    ]


@PROPERTY
@given(
    term1=maybe_rank,
    last=maybe_rank,
    rank=ranks,
    gain=st.integers(1, 59),
    violation=st.booleans(),
    merit=st.booleans(),
    rules=rule_values,
)
def test_a_better_term_2_rank_never_lowers_the_score(term1, last, rank, gain, violation, merit, rules):
    better = max(rank - gain, 1)
    worse_score = score_child(facts(term1=term1, term2=rank, last=last, violation=violation, merit=merit), rules)
    better_score = score_child(facts(term1=term1, term2=better, last=last, violation=violation, merit=merit), rules)
    assert better_score.score >= worse_score.score


@PROPERTY
@given(records=year_records(), picked=st.sets(st.integers(1, 8)), role=st.sampled_from(["volunteer", "proxy-parent"]))
def test_a_helpers_score_is_the_sum_of_their_childrens(records, picked, role):
    pairings = [(1, "H", role, c) for c in sorted(picked)]
    children, helpers, _ = assess(records, pairings, RULES)
    if not pairings:
        assert helpers == []
        return
    [helper] = helpers
    paired = [c.score for c in children if c.child_id in picked and c.score is not None]
    assert helper.score == Decimal(sum(paired))
    assert helper.children == len(paired)


@PROPERTY
@given(records=year_records(min_size=1), rules=rule_values)
def test_a_teachers_score_lies_between_their_childrens_min_and_max(records, rules):
    pairings = [(1, "T", "class-teacher", f.child_id) for f in records]
    children, [teacher], _ = assess(records, pairings, rules)
    scores = [c.score for c in children if c.score is not None]
    if not scores:
        assert teacher.score == 0 and teacher.children == 0
        return
    assert min(scores) <= teacher.score <= max(scores)
    assert teacher.score == teacher.score.quantize(Decimal("0.01"))  # two places


@PROPERTY
@given(
    scores=st.lists(st.one_of(st.none(), st.integers(0, 100)), max_size=8),
    role=st.sampled_from(["class-teacher", "volunteer"]),
    per_point=st.integers(0, 500),
)
def test_yuan_is_score_times_yuan_per_point(scores, role, per_point):
    # yuan_per_point with up to 2 decimal places: 0.00 .. 5.00
    per_point = Decimal(per_point) / 100
    rules = {**RULES, "yuan_per_point": float(per_point)}
    result = score_helper(1, "H", role, [scored(i, s) for i, s in enumerate(scores, start=1)], rules)
    assert result.yuan == (result.score * per_point).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole = score_helper(
        1, "H", role, [scored(i, s) for i, s in enumerate(scores, start=1)], {**RULES, "yuan_per_point": 3}
    )
    assert whole.yuan == whole.score * 3


# ---- CLI: exam add / list ---------------------------------------------------------------------

TODAY = date.today()
CURRENT = TODAY.year if TODAY.month >= 9 else TODAY.year - 1  # a school year starts on 1 September
Y = CURRENT - 1  # the last school year: its term 2 (July Y+1) is over
BIRTH = date(Y - 11, 3, 1).isoformat()  # 9 at enrolment, under 14: consent recorded
ENROLLED = date(Y - 1, 9, 10).isoformat()


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _enroll(lbc, name: str) -> int:
    result = lbc("enroll", name, "--gender", "F", "--birth", BIRTH, "--enrolled-on", ENROLLED, "--consent-on", ENROLLED)
    assert result.code == 0, result.err
    return int(result.out)


def _helper(lbc, name: str, role: str) -> int:
    result = lbc("helper", "add", name, "--role", role)
    assert result.code == 0, result.err
    return int(result.out)


def _ok(result):
    assert result.code == 0, result.err
    return result


def test_exam_add_prints_the_id_and_stores_every_option(lbc, db):
    kid = _enroll(lbc, "张小明")
    options = f"--year {Y} --term 2 --rank 3 --class-size 40 --total 512.5 --merit-student --serious-violation"
    result = _ok(lbc("exam", "add", str(kid), *options.split()))
    exam_id = int(result.out)
    assert result.out == f"{exam_id}\n"
    stored = rows(
        db,
        "SELECT child_id, school_year, term, class_rank, class_size, total_score, merit_student, serious_violation "
        "FROM exams WHERE id = ?",
        exam_id,
    )
    assert stored == [(kid, Y, 2, 3, 40, 512.5, 1, 1)]
    # the options left out: no class size, no total, no merit, no violation; the child found by name
    plain = _ok(lbc("exam", "add", "张小明", "--year", str(Y), "--term", "1", "--rank", "7"))
    assert rows(
        db,
        "SELECT child_id, school_year, term, class_rank, class_size, total_score, merit_student, serious_violation "
        "FROM exams WHERE id = ?",
        int(plain.out),
    ) == [(kid, Y, 1, 7, None, None, 0, 0)]


@pytest.mark.parametrize(
    ("options", "code"),
    [
        (("--year", str(Y), "--term", "3", "--rank", "1"), 1),  # parses, breaks the rule: refused
        (("--year", str(Y), "--term", "0", "--rank", "1"), 1),
        (("--year", str(Y), "--term", "2", "--rank", "0"), 1),
        (("--year", str(Y), "--term", "2", "--rank", "41", "--class-size", "40"), 1),
        (("--year", str(CURRENT + 1), "--term", "1", "--rank", "1"), 1),  # a school year not begun
        (("--year", str(CURRENT - 11), "--term", "1", "--rank", "1"), 1),  # more than 10 years back
        (("--year", str(Y), "--term", "x", "--rank", "1"), 2),  # does not parse: usage
        (("--year", str(Y), "--rank", "1"), 2),  # --term missing
    ],
)
def test_exam_add_refusals_write_nothing(lbc, db, options, code):
    kid = _enroll(lbc, "张小明")
    audit_before = rows(db, "SELECT COUNT(*) FROM audit_log")
    result = lbc("exam", "add", str(kid), *options)
    assert result.code == code
    assert result.out == ""
    assert "Traceback" not in result.err and result.err.strip()
    assert rows(db, "SELECT COUNT(*) FROM exams") == [(0,)]
    assert rows(db, "SELECT COUNT(*) FROM audit_log") == audit_before


# The latest term whose final can have been sat today (SPEC section 10: term 1 of Y from 1 January of Y+1, term 2
# from 1 June of Y+1): the newest edge of the window
if TODAY >= date(CURRENT + 1, 6, 1):
    LATEST = (CURRENT, 2)
elif TODAY >= date(CURRENT + 1, 1, 1):
    LATEST = (CURRENT, 1)
else:
    LATEST = (CURRENT - 1, 2)


@pytest.mark.parametrize(("year", "term"), [LATEST, (CURRENT - 10, 1)])
def test_exam_add_accepts_the_edges_of_the_school_year_window(lbc, db, year, term):
    kid = _enroll(lbc, "张小明")
    options = ("--year", str(year), "--term", str(term), "--rank", "40", "--class-size", "40")
    result = _ok(lbc("exam", "add", str(kid), *options))
    assert rows(db, "SELECT school_year, class_rank FROM exams WHERE id = ?", int(result.out)) == [(year, 40)]


def test_exam_add_unknown_child_is_refused(lbc, db):
    result = lbc("exam", "add", "999", "--year", str(Y), "--term", "1", "--rank", "1")
    assert result.code == 1 and result.out == ""
    assert rows(db, "SELECT COUNT(*) FROM exams") == [(0,)]


def test_one_record_per_child_year_and_term_replaced_only_with_replace(lbc, db):
    kid = _enroll(lbc, "张小明")
    options = f"--year {Y} --term 2 --rank 5 --class-size 30 --total 480 --merit-student"
    first = int(_ok(lbc("exam", "add", str(kid), *options.split())).out)
    columns = "SELECT id, class_rank, class_size, total_score, merit_student, serious_violation FROM exams"
    duplicate = lbc("exam", "add", str(kid), "--year", str(Y), "--term", "2", "--rank", "2")
    assert duplicate.code == 1 and duplicate.out == ""
    assert rows(db, columns) == [(first, 5, 30, 480.0, 1, 0)]
    # another term of the same year is a record of its own
    _ok(lbc("exam", "add", str(kid), "--year", str(Y), "--term", "1", "--rank", "9"))
    options = f"--year {Y} --term 2 --rank 2 --serious-violation --replace"
    replaced = _ok(lbc("exam", "add", str(kid), *options.split()))
    # the record of that term now holds exactly the new options (no class size, total or merit any more)
    assert rows(db, columns + " WHERE school_year = ? AND term = 2", Y) == [(int(replaced.out), 2, None, None, 0, 1)]
    assert rows(db, "SELECT COUNT(*) FROM exams") == [(2,)]


def test_exam_list_filters_by_child_and_year(lbc):
    a, b = _enroll(lbc, "安小红"), _enroll(lbc, "白小刚")
    options = f"--year {Y - 1} --term 2 --rank 8 --class-size 40 --total 512.5 --merit-student"
    _ok(lbc("exam", "add", str(a), *options.split()))
    _ok(lbc("exam", "add", str(a), "--year", str(Y), "--term", "1", "--rank", "6"))
    _ok(lbc("exam", "add", str(a), "--year", str(Y), "--term", "2", "--rank", "3", "--serious-violation"))
    _ok(lbc("exam", "add", str(b), "--year", str(Y), "--term", "2", "--rank", "1"))
    header = "id,child_id,name,school_year,term,class_rank,class_size,total_score,merit_student,serious_violation"

    result = _ok(lbc("exam", "list", "--child", str(a), "--format", "csv"))
    assert result.out.splitlines()[0] == header
    found = _csv(result.out)
    assert sorted((r["school_year"], r["term"], r["class_rank"]) for r in found) == [
        (str(Y - 1), "2", "8"),
        (str(Y), "1", "6"),
        (str(Y), "2", "3"),
    ]
    last_year = next(r for r in found if r["school_year"] == str(Y - 1))
    assert (last_year["name"], last_year["child_id"], last_year["class_size"], last_year["total_score"]) == (
        "安小红",
        str(a),
        "40",
        "512.5",
    )
    assert (last_year["merit_student"], last_year["serious_violation"]) == ("1", "0")

    both = _csv(_ok(lbc("exam", "list", "--child", "安小红", "--year", str(Y), "--format", "csv")).out)
    assert sorted((r["term"], r["class_rank"], r["serious_violation"]) for r in both) == [
        ("1", "6", "0"),
        ("2", "3", "1"),
    ]

    year = _csv(_ok(lbc("exam", "list", "--year", str(Y), "--format", "csv")).out)
    assert sorted((r["name"], r["term"]) for r in year) == [("安小红", "1"), ("安小红", "2"), ("白小刚", "2")]
    assert len(_csv(_ok(lbc("exam", "list", "--format", "csv")).out)) == 4


# ---- CLI: score and export scores on a year built through the commands --------------------------

CHILD_HEADER = (
    "child_id,name,school_year,baseline_rank,rank,rank_points,keep_points,conduct_points,merit_points,score,note"
)
HELPER_HEADER = "helper_id,name,role,children,score,yuan"
AWARD_HEADER = "child_id,name,award,yuan"

_SCENARIO: dict = {}


def _build_scenario(lbc) -> dict:
    names = ("安小红", "白小刚", "陈小丽", "邓小军", "方小花", "黄小雨", "金小宝")
    ids = {name: _enroll(lbc, name) for name in names}
    ids["王老师"] = _helper(lbc, "王老师", "class-teacher")
    ids["刘志愿"] = _helper(lbc, "刘志愿", "volunteer")
    ids["孙党员"] = _helper(lbc, "孙党员", "party-member")
    since_last, since = date(Y - 1, 9, 15).isoformat(), date(Y, 9, 5).isoformat()
    for child in ("安小红", "白小刚", "陈小丽", "方小花", "黄小雨"):
        _ok(lbc("pair", str(ids[child]), str(ids["王老师"]), "--since", since))
    _ok(lbc("pair", str(ids["安小红"]), str(ids["刘志愿"]), "--since", since_last))  # still active
    _ok(lbc("pair", str(ids["白小刚"]), str(ids["刘志愿"]), "--since", since_last))
    _ok(lbc("pair", "end", str(ids["白小刚"]), str(ids["刘志愿"]), "--date", date(Y, 11, 1).isoformat()))  # ended in Y
    _ok(lbc("pair", str(ids["邓小军"]), str(ids["刘志愿"]), "--since", date(Y, 10, 1).isoformat()))
    _ok(lbc("pair", str(ids["方小花"]), str(ids["刘志愿"]), "--since", date(Y, 10, 1).isoformat()))
    _ok(lbc("pair", str(ids["白小刚"]), str(ids["孙党员"]), "--since", since_last))
    # ended before Y:
    _ok(lbc("pair", "end", str(ids["白小刚"]), str(ids["孙党员"]), "--date", date(Y - 1, 12, 1).isoformat()))

    def exam(child, year, term, rank, *flags):
        options = f"--year {year} --term {term} --rank {rank} --class-size 45".split()
        _ok(lbc("exam", "add", str(ids[child]), *options, *flags))

    exam("安小红", Y - 1, 2, 8)
    exam("安小红", Y, 1, 6)
    exam("安小红", Y, 2, 3, "--merit-student")
    exam("白小刚", Y, 1, 20)
    exam("白小刚", Y, 2, 1)
    exam("陈小丽", Y, 1, 12, "--serious-violation")
    exam("陈小丽", Y, 2, 14)
    exam("邓小军", Y - 1, 1, 2, "--merit-student", "--serious-violation")  # last year's: no baseline, no flags
    exam("邓小军", Y, 2, 9)
    exam("方小花", Y, 1, 4)
    exam("黄小雨", Y, 1, 10)
    exam("黄小雨", Y, 2, 2)
    exam("金小宝", Y, 1, 7)
    exam("金小宝", Y, 2, 7)
    # 黄小雨 leaves before term 2 ended (July Y+1), 金小宝 after it
    _ok(lbc("child", "exit", str(ids["黄小雨"]), "--reason", "moved", "--date", date(Y + 1, 3, 1).isoformat()))
    _ok(lbc("child", "exit", str(ids["金小宝"]), "--reason", "moved", "--date", date(Y + 1, 8, 15).isoformat()))
    return ids


@pytest.fixture
def scenario(run, db, tmp_path_factory):
    """The school year Y built once through the commands, copied into each test's fresh database."""
    if not _SCENARIO:
        path = new_target(tmp_path_factory.mktemp("scoring") / "scenario.db", keep=True)
        assert run("init", db=path).code == 0
        _SCENARIO["ids"] = _build_scenario(lambda *args: run(*args, db=path))
        _SCENARIO["path"] = path
    copy_db(_SCENARIO["path"], db)
    return _SCENARIO["ids"]


# The year Y by hand (defaults):
#   安小红: baseline 8 (last year's term 2, not this year's term 1 = 6), rank 3: rank 5, keep 5 (8, 3 <= 10),
#           conduct 2, merit 5 -> 17; award: rank 3 -> excellence 50; 6 - 3 = 3 < 5, no progress
#   白小刚: first year, baseline 20 (term 1), rank 1: rank 19, keep 0 (20 > 10), conduct 2, merit 0 -> 21;
#           awards: first-place 100 and progress (20 - 1 = 19 >= 5) 30
#   陈小丽: baseline 12, rank 14 (worse): rank 0, keep 0, conduct 0 (violation in term 1), merit 0 -> 0
#   邓小军: only a term-2 rank 9 (last year's term 1 does not count, nor its merit and violation):
#           no-baseline, 0 + 0 + 2 + 0 = 2
#   方小花: only a term-1 rank: missing-rank, no score
#   黄小雨: left the programme on Y+1-03-01, before term 2 ended: not assessed, no award (she would have had
#           8 + 5 + 2 = 15, excellence and progress), and not counted for 王老师 (he would get 53 / 4 = 13.25)
#   金小宝: left on Y+1-08-15, after term 2: baseline 7, rank 7: 0 + 5 + 2 + 0 = 7; no award; not paired
#   王老师 (class teacher; 安, 白, 陈, 方, 黄): (17 + 21 + 0) / 3 = 38 / 3 = 12.67 over 3 children, 12.67 yuan
#   刘志愿 (volunteer; 安; 白 until Y-11-01; 邓, 方 from Y-10-01): 17 + 21 + 2 = 40.00 over 3, 40.00 yuan
#   孙党员: the only pairing ended before Y: not listed
CHILDREN_Y = {
    "安小红": ["8", "3", "5", "5", "2", "5", "17", ""],
    "白小刚": ["20", "1", "19", "0", "2", "0", "21", ""],
    "陈小丽": ["12", "14", "0", "0", "0", "0", "0", ""],
    "邓小军": ["", "9", "0", "0", "2", "0", "2", "no-baseline"],
    "方小花": ["", "", "", "", "", "", "", "missing-rank"],
    "金小宝": ["7", "7", "0", "5", "2", "0", "7", ""],
}
HELPERS_Y = {"王老师": ["class-teacher", "3", "12.67", "12.67"], "刘志愿": ["volunteer", "3", "40.00", "40.00"]}
AWARDS_Y = [("安小红", "excellence", "50.00"), ("白小刚", "first-place", "100.00"), ("白小刚", "progress", "30.00")]
# With top_keep_rank 5: 安小红 (baseline 8 > 5) loses its keep points: 17 - 5 = 12; 金小宝 (7 > 5): 7 - 5 = 2.
#   王老师: (12 + 21 + 0) / 3 = 33 / 3 = 11.00; 刘志愿: 12 + 21 + 2 = 35.00
HELPERS_TOP5 = {"王老师": ["class-teacher", "3", "11.00", "11.00"], "刘志愿": ["volunteer", "3", "35.00", "35.00"]}


def _children(lbc, *extra) -> dict:
    result = _ok(lbc("score", "--year", str(Y), "--view", "children", "--format", "csv", *extra))
    assert result.out.splitlines()[0] == CHILD_HEADER
    return {r["name"]: r for r in _csv(result.out)}


def _helpers(lbc, *extra) -> dict:
    result = _ok(lbc("score", "--year", str(Y), "--view", "helpers", "--format", "csv", *extra))
    assert result.out.splitlines()[0] == HELPER_HEADER
    return {r["name"]: [r["role"], r["children"], r["score"], r["yuan"]] for r in _csv(result.out)}, {
        r["name"]: r["helper_id"] for r in _csv(result.out)
    }


def test_score_views_in_csv(lbc, scenario):
    children = _children(lbc)
    assert set(children) == set(CHILDREN_Y)
    for name, expected in CHILDREN_Y.items():
        row = children[name]
        assert (row["child_id"], row["school_year"]) == (str(scenario[name]), str(Y))
        assert [row[c] for c in CHILD_HEADER.split(",")[3:]] == expected, name

    helpers, helper_ids = _helpers(lbc)
    assert helpers == HELPERS_Y
    assert helper_ids == {"王老师": str(scenario["王老师"]), "刘志愿": str(scenario["刘志愿"])}

    result = _ok(lbc("score", "--year", str(Y), "--view", "awards", "--format", "csv"))
    assert result.out.splitlines()[0] == AWARD_HEADER
    found = _csv(result.out)
    assert sorted((r["name"], r["award"], r["yuan"]) for r in found) == AWARDS_Y
    assert all(r["child_id"] == str(scenario[r["name"]]) for r in found)


def test_score_default_view_has_three_sections(lbc, scenario):
    table = _ok(lbc("score", "--year", str(Y))).out
    lines = table.splitlines()
    titles = [line for line in lines if line.endswith(f"school year {Y}")]
    assert len(titles) == 3
    assert lines.index(titles[0]) < lines.index(titles[1]) < lines.index(titles[2])
    children = "\n".join(lines[lines.index(titles[0]) : lines.index(titles[1])])
    helpers = "\n".join(lines[lines.index(titles[1]) : lines.index(titles[2])])
    prizes = "\n".join(lines[lines.index(titles[2]) :])
    assert all(name in children for name in CHILDREN_Y) and "12.67" not in children
    assert "王老师" in helpers and "12.67" in helpers and "40.00" in helpers and "孙党员" not in helpers
    assert "100.00" in prizes and "安小红" in prizes and "陈小丽" not in prizes

    data = json.loads(_ok(lbc("score", "--year", str(Y), "--format", "json")).out)
    assert isinstance(data, dict) and set(data) == {"children", "helpers", "awards"}
    assert [list(r) for r in data["children"]][0] == CHILD_HEADER.split(",")
    by_name = {r["name"]: r for r in data["children"]}
    assert by_name["安小红"]["score"] == 17 and by_name["安小红"]["baseline_rank"] == 8
    assert by_name["方小花"]["score"] is None and by_name["方小花"]["note"] == "missing-rank"
    teacher = next(r for r in data["helpers"] if r["name"] == "王老师")
    assert list(teacher) == HELPER_HEADER.split(",")
    assert (teacher["role"], teacher["children"], teacher["score"], teacher["yuan"]) == (
        "class-teacher",
        3,
        12.67,
        12.67,
    )
    assert sorted((r["name"], r["award"], r["yuan"]) for r in data["awards"]) == [
        ("安小红", "excellence", 50),
        ("白小刚", "first-place", 100),
        ("白小刚", "progress", 30),
    ]

    md = _ok(lbc("score", "--year", str(Y), "--format", "md")).out
    assert md.count("## ") == 3 and sum(line.startswith("|---") for line in md.splitlines()) == 3


def test_score_single_view_json_is_an_array(lbc, scenario):
    data = json.loads(_ok(lbc("score", "--year", str(Y), "--view", "awards", "--format", "json")).out)
    assert isinstance(data, list) and len(data) == 3 and list(data[0]) == AWARD_HEADER.split(",")


def test_score_csv_needs_a_view(lbc):
    result = lbc("score", "--year", str(Y), "--format", "csv")
    assert result.code == 2 and result.out == "" and "Traceback" not in result.err
    assert lbc("score", "--year", str(Y), "--view", "teachers").code == 2


def test_set_tries_a_rule_value_without_saving_it(lbc, db, scenario):
    settings_before = rows(db, "SELECT key, value FROM settings ORDER BY key")
    audit_before = rows(db, "SELECT COUNT(*) FROM audit_log")
    children = _children(lbc, "--set", "top_keep_rank=5")
    # 安小红: 5 + 0 + 2 + 5 = 12 and 金小宝: 0 + 0 + 2 + 0 = 2 (keep lost); 白小刚 21, 陈小丽 0, 邓小军 2 unchanged
    assert [children["安小红"][c] for c in ("keep_points", "score")] == ["0", "12"]
    assert children["金小宝"]["keep_points"] == "0"
    assert {n: children[n]["score"] for n in ("白小刚", "陈小丽", "邓小军", "方小花", "金小宝")} == {
        "白小刚": "21",
        "陈小丽": "0",
        "邓小军": "2",
        "方小花": "",
        "金小宝": "2",
    }
    assert _helpers(lbc, "--set", "top_keep_rank=5")[0] == HELPERS_TOP5
    # several --set at once: 3 yuan a point -> 王老师 12.67 * 3 = 38.01; 刘志愿 40 * 3 = 120.00
    tried, _ = _helpers(lbc, "--set", "yuan_per_point=3", "--set", "first_place_yuan=200")
    assert tried == {
        "王老师": ["class-teacher", "3", "12.67", "38.01"],
        "刘志愿": ["volunteer", "3", "40.00", "120.00"],
    }
    nothing_saved = _ok(lbc("config", "get", "top_keep_rank"))
    assert nothing_saved.out.strip() == "10"
    assert rows(db, "SELECT key, value FROM settings ORDER BY key") == settings_before
    assert rows(db, "SELECT COUNT(*) FROM audit_log") == audit_before
    # and the next run is back to the defaults
    assert _helpers(lbc)[0] == HELPERS_Y


def test_config_set_changes_the_assessment_for_good(lbc, db, scenario):
    _ok(lbc("config", "set", "top_keep_rank", "5"))
    assert _ok(lbc("config", "get", "top_keep_rank")).out.strip() == "5"
    assert rows(db, "SELECT value FROM settings WHERE key = 'top_keep_rank'") == [("5",)]
    assert _helpers(lbc)[0] == HELPERS_TOP5
    assert _children(lbc)["安小红"]["score"] == "12"
    # --set still wins over the stored value for one run: back at 10 -> the defaults' numbers
    assert _helpers(lbc, "--set", "top_keep_rank=10")[0] == HELPERS_Y


def test_score_in_chinese_has_chinese_headers(run, db, scenario):
    result = run("--lang", "zh", "score", "--year", str(Y), db=db)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    titles = [i for i, line in enumerate(lines) if line.startswith(f"{Y} ") and "学年" in line]
    assert len(titles) == 3
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for i in titles:
        headers = lines[i + 1].split()
        assert headers and all(cjk.search(h) for h in headers), headers
    text = result.out
    assert "baseline" not in text and "class-teacher" not in text and "first-place" not in text
    assert "班主任" in text  # the role label in Chinese


def test_export_scores_is_the_payroll_sheet(lbc, scenario):
    result = _ok(lbc("export", "scores", "--year", str(Y)))
    assert result.out.splitlines()[0] == "school_year,kind,id,name,role,award,score,yuan"
    found = sorted(tuple(r.values()) for r in _csv(result.out))
    y, ids = str(Y), {k: str(v) for k, v in scenario.items()}
    assert found == sorted(
        [
            (y, "helper", ids["刘志愿"], "刘志愿", "volunteer", "", "40.00", "40.00"),
            (y, "helper", ids["王老师"], "王老师", "class-teacher", "", "12.67", "12.67"),
            (y, "child", ids["安小红"], "安小红", "", "excellence", "", "50.00"),
            (y, "child", ids["白小刚"], "白小刚", "", "first-place", "", "100.00"),
            (y, "child", ids["白小刚"], "白小刚", "", "progress", "", "30.00"),
        ]
    )
    data = json.loads(_ok(lbc("export", "scores", "--year", str(Y), "--format", "json")).out)
    assert len(data) == 5 and list(data[0]) == "school_year,kind,id,name,role,award,score,yuan".split(",")


def test_export_scores_needs_a_year(lbc):
    result = lbc("export", "scores")
    assert result.code == 2 and result.out == "" and "Traceback" not in result.err


def test_score_takes_as_of(lbc, scenario):
    plain = _ok(lbc("score", "--year", str(Y), "--view", "helpers", "--format", "csv"))
    dated = lbc("score", "--year", str(Y), "--view", "helpers", "--format", "csv", "--as-of", TODAY.isoformat())
    assert dated.code == 0, dated.err
    assert dated.out == plain.out


# ---- what `score` reads: the county-scale queries agree with exam_facts and year_pairings ----------


# The plain reading of the assessment's inputs, row by row: what the county-scale queries must give.
def exam_facts(year: int, *, session, as_of: date | None = None) -> list:
    """What the assessment of school year ``year`` needs: one ExamFacts per child with an exam in the
    year who was in the programme when term 2 ended (on 31 July of year + 1), or on ``as_of`` if that is
    earlier."""
    from sqlalchemy import select

    from lbc_cli.models import Child, Exam, Exit
    from lbc_cli.store import raw_rows

    exams = select(
        Exam.child_id, Exam.school_year, Exam.term, Exam.class_rank, Exam.merit_student, Exam.serious_violation
    ).where(Exam.school_year.in_([year - 1, year]))
    by_child: dict[int, dict] = {}
    for child_id, school_year, term, rank, merit, violation in raw_rows(exams, session=session):
        record = by_child.setdefault(child_id, {"merit": False, "violation": False, "in_year": False})
        if school_year == year:
            record[f"term{term}"] = rank
            record["in_year"] = True
            record["merit"] = record["merit"] or bool(merit)
            record["violation"] = record["violation"] or bool(violation)
        elif term == 2:
            record["last"] = rank
    term2_end = date(year + 1, 8, 1)  # the day after term 2 ended, 31 July (SPEC section 5)
    if as_of is not None and as_of < term2_end:
        term2_end = as_of + timedelta(days=1)
    # in the programme on term 2's last day (SPEC section 10): enrolled by then, not left before it (the exit date
    # is the last day in), and not in a time out it came back from
    last_day = (term2_end - timedelta(days=1)).isoformat()
    away = {
        child_id
        for child_id, left, back in raw_rows(select(Exit.child_id, Exit.exit_date, Exit.reentered_on), session=session)
        if back is not None and str(left) < last_day < str(back)
    }
    children = select(Child.id, Child.name, Child.name_pinyin, Child.enrolled_on, Child.status, Child.exit_date)
    facts = []
    for child_id, name, _key, enrolled, status, exit_date in sorted(
        raw_rows(children, session=session), key=lambda r: (r[2], r[0])
    ):
        if str(enrolled) > last_day or (status != "active" and (exit_date is None or str(exit_date) < last_day)):
            continue
        if child_id in away:
            continue
        record = by_child.get(child_id)
        if record is None or not record["in_year"]:
            continue
        facts.append(
            ExamFacts(
                child_id,
                name,
                record.get("term1"),
                record.get("term2"),
                record.get("last"),
                record["violation"],
                record["merit"],
            )
        )
    return facts


def year_pairings(year: int, *, session) -> list[tuple]:
    """(helper id, name, role, child id) for every pairing in force at any time in school year ``year``."""
    from sqlalchemy import or_, select

    from lbc_cli.models import Helper, Pairing
    from lbc_cli.store import raw_rows

    start, end = date(year, 9, 1), date(year + 1, 8, 31)
    query = (
        select(Helper.id, Helper.name, Helper.role, Pairing.child_id, Helper.name_pinyin)
        .join(Helper, Helper.id == Pairing.helper_id)
        .where(Pairing.start_date <= end, or_(Pairing.end_date.is_(None), Pairing.end_date > start))
    )
    return [row[:4] for row in sorted(raw_rows(query, session=session), key=lambda r: (r[4], r[0], r[3]))]


def _plain_and_county(target, year: int, as_of=None):
    from lbc_cli import store
    from lbc_cli.db import Database, resolve_target
    from lbc_cli.rules.scoring import assess, assess_paired

    database = Database(resolve_target(str(target))).open()
    try:
        with database.session() as session:
            facts = exam_facts(year, session=session, as_of=as_of)
            pairings = year_pairings(year, session=session)
            county = store.assessment_facts(year, session=session, as_of=as_of)
            helpers = store.year_helpers(year, session=session)
    finally:
        database.dispose()
    return (facts, pairings, assess(facts, pairings, RULES)), (county, helpers, assess_paired(county, helpers, RULES))


def test_score_reads_what_exam_facts_and_year_pairings_read(lbc, db, scenario):
    # behind lbc's back: a record of a term lbc never writes (an exam in Y all the same, with flags),
    # for 邓小军 (who has a term-2 rank) and for a pupil with no other exam in Y
    late = _enroll(lbc, "何小青")
    _ok(lbc("exam", "add", str(late), "--year", str(Y - 1), "--term", "2", "--rank", "4"))
    for child in (scenario["邓小军"], late):
        execute(
            db,
            "INSERT INTO exams (uid, child_id, school_year, term, class_rank, merit_student, serious_violation)"
            " VALUES (?, ?, ?, 3, 5, ?, ?)",
            f"00000000-0000-4000-8000-{child:012d}",
            child,
            Y,
            True,
            True,
        )
    for year, as_of in ((Y, None), (Y, date(Y + 1, 3, 1)), (Y, date(Y + 1, 2, 28)), (Y - 1, None), (Y + 1, None)):
        (facts, pairings, plain), (county, helpers, fast) = _plain_and_county(db, year, as_of)
        assert county == facts and all(type(f) is ExamFacts for f in county), (year, as_of)
        assert [(h, n, r, c) for h, n, r, kids in helpers for c in sorted(kids)] == pairings
        assert fast == plain, (year, as_of)
    (facts, _, (children, _, _)), _ = _plain_and_county(db, Y)
    by_id = {f.child_id: f for f in facts}
    assert by_id[scenario["邓小军"]][2:] == (None, 9, None, True, True)  # the flags of term 3 count
    assert by_id[late][2:] == (None, None, 4, True, True)
    assert next(c for c in children if c.child_id == late).note == "missing-rank"


def test_score_export_scores_and_the_summary_give_one_assessment(lbc, scenario):
    """`score`, `export scores` and the year's summary take the assessment from one place
    (lbc_cli.assessment.assess): on the year Y by hand above, with the first place raised to 200 yuan
    by `config set`, all three give the same helpers' scores and the same awards.
    By hand: 王老师 (17 + 21 + 0) / 3 = 12.67, 12.67 yuan; 刘志愿 17 + 21 + 2 = 40.00, 40.00 yuan;
    awards: 安小红 excellence 50.00, 白小刚 first-place 200.00 (was 100) and progress 30.00."""
    _ok(lbc("config", "set", "first_place_yuan", "200"))
    helpers = {"王老师": ("class-teacher", "12.67", "12.67"), "刘志愿": ("volunteer", "40.00", "40.00")}
    prizes = [("安小红", "excellence", "50.00"), ("白小刚", "first-place", "200.00"), ("白小刚", "progress", "30.00")]
    after = date(Y + 1, 9, 1).isoformat()  # the summary's year: the last whose term 2 (July Y+1) is over

    scored = json.loads(_ok(lbc("score", "--year", str(Y), "--as-of", after, "--format", "json")).out)
    assert {h["name"]: (h["role"], f"{Decimal(str(h['score'])):.2f}", f"{Decimal(str(h['yuan'])):.2f}")
            for h in scored["helpers"]} == helpers  # fmt: skip
    assert sorted((a["name"], a["award"], f"{Decimal(str(a['yuan'])):.2f}") for a in scored["awards"]) == prizes

    payroll = _csv(_ok(lbc("export", "scores", "--year", str(Y))).out)
    assert {r["name"]: (r["role"], r["score"], r["yuan"]) for r in payroll if r["kind"] == "helper"} == helpers
    assert sorted((r["name"], r["award"], r["yuan"]) for r in payroll if r["kind"] == "child") == prizes

    summary = json.loads(_ok(lbc("report", "summary", "--as-of", after, "--format", "json")).out)
    assert summary["assessment_year"] == Y
    found = summary["assessment"]
    assert {h["name"]: (h["role"], f"{Decimal(str(h['score'])):.2f}", f"{Decimal(str(h['yuan'])):.2f}")
            for h in found["helpers"]} == helpers  # fmt: skip
    assert sorted((a["name"], a["award"], f"{Decimal(str(a['yuan'])):.2f}") for a in found["awards"]) == prizes
    assert Decimal(str(found["award_yuan"])) == Decimal("280.00")  # 50 + 200 + 30
    assert [c["name"] for c in found["children"]] == [c["name"] for c in scored["children"]]
