"""The year's assessment (考核及奖励), SPEC section 5, as pure functions over plain data.

The seed plan pays volunteers and class teachers by how their pupils' class ranks improve, and
rewards the pupils. School year Y runs from 1 September Y to 31 August Y+1; term 1 ends in January,
term 2 in July. A rank is a class rank: 1 is the top.

For each child with a term-2 rank in Y:
  baseline       = the child's term-2 rank of Y-1 if recorded, else its term-1 rank of Y
                   (the first year compares with term 1; later years with last year's term 2);
                   no baseline: rank and keep points are 0, note `no-baseline`
  rank_points    = floor(max(baseline - rank, 0) / rank_step) * points_per_step
  keep_points    = top_keep_points if baseline <= top_keep_rank and rank <= top_keep_rank
  conduct_points = no_violation_points unless a serious violation is recorded in Y
  merit_points   = merit_student_points if the child is a 三好学生 in Y
  score          = the sum
A child without a term-2 rank in Y is listed with note `missing-rank` and no score.

A helper's score: a class teacher's is the mean of the paired children's scores (本班相关学生考核
均分), to 2 places; any other helper's is their sum (包保儿童考核分总和). yuan = score * yuan_per_point.

Pupils' awards on Y's ranks: term-2 rank 1 -> `first-place`; ranks 2..excellence_max_rank ->
`excellence`; term-1 rank - term-2 rank >= progress_min_ranks -> `progress` (both may apply).
"""

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple


class ExamFacts(NamedTuple):
    """One child's record for school year Y (ranks are None where not recorded)."""

    child_id: int
    name: str
    term1_rank: int | None  # term 1 of Y
    term2_rank: int | None  # term 2 of Y
    last_term2_rank: int | None  # term 2 of Y-1
    serious_violation: bool  # recorded in either term of Y
    merit_student: bool  # 三好学生 in either term of Y


class ChildScore(NamedTuple):
    child_id: int
    name: str
    baseline_rank: int | None
    rank: int | None
    rank_points: int | None
    keep_points: int | None
    conduct_points: int | None
    merit_points: int | None
    score: int | None
    note: str  # '', 'no-baseline' or 'missing-rank'


class HelperScore(NamedTuple):
    helper_id: int
    name: str
    role: str
    children: int  # paired children with a score in Y
    score: Decimal
    yuan: Decimal


class Award(NamedTuple):
    child_id: int
    name: str
    award: str  # first-place, excellence, progress
    yuan: Decimal


def money(value) -> Decimal:
    """Two places, halves rounded up (as a payroll sheet does), not to even."""
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def score_children(records: list[ExamFacts], rules: dict) -> list[ChildScore]:
    """Each pupil's score (one loop with the rule values read once: a county has 100,000 pupils)."""
    no_violation_points = int(rules["no_violation_points"])
    merit_student_points = int(rules["merit_student_points"])
    rank_step = int(rules["rank_step"])
    points_per_step = int(rules["points_per_step"])
    top = int(rules["top_keep_rank"])
    top_keep_points = int(rules["top_keep_points"])
    new = tuple.__new__  # a NamedTuple without its Python-level __new__
    out: list[ChildScore] = []
    add = out.append
    for child_id, name, term1, rank, last_term2, violation, merit_student in records:
        if rank is None:
            add(new(ChildScore, (child_id, name, None, None, None, None, None, None, None, "missing-rank")))
            continue
        baseline = last_term2 if last_term2 is not None else term1
        conduct = 0 if violation else no_violation_points
        merit = merit_student_points if merit_student else 0
        if baseline is None:
            add(new(ChildScore, (child_id, name, None, rank, 0, 0, conduct, merit, conduct + merit, "no-baseline")))
            continue
        rank_points = max(baseline - rank, 0) // rank_step * points_per_step
        keep = top_keep_points if baseline <= top and rank <= top else 0
        total = rank_points + keep + conduct + merit
        add(new(ChildScore, (child_id, name, baseline, rank, rank_points, keep, conduct, merit, total, "")))
    return out


def score_child(facts: ExamFacts, rules: dict) -> ChildScore:
    return score_children([facts], rules)[0]


def helper_scorer(rules: dict) -> Callable[[int, str, str, list[int]], HelperScore]:
    """A helper's score from the scores of their children (each child once, missing ranks left out)."""
    per_point = Decimal(str(rules["yuan_per_point"]))

    def score(helper_id: int, name: str, role: str, scores: list[int]) -> HelperScore:
        if role == "class-teacher":
            value = money(Decimal(sum(scores)) / len(scores)) if scores else money(0)
        else:
            value = money(sum(scores))
        return HelperScore(helper_id, name, role, len(scores), value, money(value * per_point))

    return score


def score_helper(helper_id: int, name: str, role: str, child_scores: list[ChildScore], rules: dict) -> HelperScore:
    """``child_scores``: the scores of the children paired with the helper at any time in Y."""
    scores = [c.score for c in child_scores if c.score is not None]
    return helper_scorer(rules)(helper_id, name, role, scores)


def awards(records: list[ExamFacts], rules: dict) -> list[Award]:
    excellence_max_rank = int(rules["excellence_max_rank"])
    progress_min_ranks = int(rules["progress_min_ranks"])
    first_place = money(rules["first_place_yuan"])
    excellence = money(rules["excellence_yuan"])
    progress = money(rules["progress_yuan"])
    new = tuple.__new__
    out: list[Award] = []
    for child_id, name, term1, rank, _last, _violation, _merit in records:
        if rank is None:
            continue
        if rank == 1:
            out.append(new(Award, (child_id, name, "first-place", first_place)))
        elif 2 <= rank <= excellence_max_rank:
            out.append(new(Award, (child_id, name, "excellence", excellence)))
        if term1 is not None and term1 - rank >= progress_min_ranks:
            out.append(new(Award, (child_id, name, "progress", progress)))
    return out


def assess(
    records: list[ExamFacts], pairings: list[tuple[int, str, str, int]], rules: dict
) -> tuple[list[ChildScore], list[HelperScore], list[Award]]:
    """The whole year: every pupil's score, every helper's (from ``pairings``: helper id, name, role,
    child id, each pairing in force at any time in the year) and the pupils' awards."""
    paired: dict[tuple[int, str, str], list[int]] = {}
    for helper_id, name, role, child_id in pairings:
        paired.setdefault((helper_id, name, role), []).append(child_id)
    return assess_paired(records, [(*helper, kids) for helper, kids in paired.items()], rules)


def assess_paired(
    records: list[ExamFacts], helpers: list[tuple[int, str, str, list[int]]], rules: dict
) -> tuple[list[ChildScore], list[HelperScore], list[Award]]:
    """``assess`` with the pairings gathered by helper: (helper id, name, role, ids of the children
    paired with them at any time in the year), in the order the helpers are to be listed."""
    children = score_children(records, rules)
    score_of = {child_id: score for child_id, _, _, _, _, _, _, _, score, _ in children if score is not None}
    score = helper_scorer(rules)
    helper_scores = []
    for helper_id, name, role, kids in helpers:
        # a child counts once per helper; a child without a score (no exams, missing rank) not at all
        scores = list(map(score_of.__getitem__, score_of.keys() & kids))
        helper_scores.append(score(helper_id, name, role, scores))
    return children, helper_scores, awards(records, rules)
