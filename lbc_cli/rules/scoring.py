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


def score_child(facts: ExamFacts, rules: dict) -> ChildScore:
    if facts.term2_rank is None:
        return ChildScore(facts.child_id, facts.name, None, None, None, None, None, None, None, "missing-rank")
    rank = facts.term2_rank
    baseline = facts.last_term2_rank if facts.last_term2_rank is not None else facts.term1_rank
    conduct = 0 if facts.serious_violation else int(rules["no_violation_points"])
    merit = int(rules["merit_student_points"]) if facts.merit_student else 0
    if baseline is None:
        return ChildScore(facts.child_id, facts.name, None, rank, 0, 0, conduct, merit, conduct + merit, "no-baseline")
    steps = max(baseline - rank, 0) // int(rules["rank_step"])
    rank_points = steps * int(rules["points_per_step"])
    top = int(rules["top_keep_rank"])
    keep = int(rules["top_keep_points"]) if baseline <= top and rank <= top else 0
    total = rank_points + keep + conduct + merit
    return ChildScore(facts.child_id, facts.name, baseline, rank, rank_points, keep, conduct, merit, total, "")


def score_children(records: list[ExamFacts], rules: dict) -> list[ChildScore]:
    return [score_child(facts, rules) for facts in records]


def score_helper(helper_id: int, name: str, role: str, child_scores: list[ChildScore], rules: dict) -> HelperScore:
    """``child_scores``: the scores of the children paired with the helper at any time in Y."""
    scores = [c.score for c in child_scores if c.score is not None]
    if role == "class-teacher":
        score = money(Decimal(sum(scores)) / len(scores)) if scores else money(0)
    else:
        score = money(sum(scores))
    return HelperScore(helper_id, name, role, len(scores), score, money(score * Decimal(str(rules["yuan_per_point"]))))


def awards(records: list[ExamFacts], rules: dict) -> list[Award]:
    out: list[Award] = []
    for facts in records:
        rank = facts.term2_rank
        if rank is None:
            continue
        if rank == 1:
            out.append(Award(facts.child_id, facts.name, "first-place", money(rules["first_place_yuan"])))
        elif 2 <= rank <= int(rules["excellence_max_rank"]):
            out.append(Award(facts.child_id, facts.name, "excellence", money(rules["excellence_yuan"])))
        if facts.term1_rank is not None and facts.term1_rank - rank >= int(rules["progress_min_ranks"]):
            out.append(Award(facts.child_id, facts.name, "progress", money(rules["progress_yuan"])))
    return out


def assess(
    records: list[ExamFacts], pairings: list[tuple[int, str, str, int]], rules: dict
) -> tuple[list[ChildScore], list[HelperScore], list[Award]]:
    """The whole year: every pupil's score, every helper's (from ``pairings``: helper id, name, role,
    child id, each pairing in force at any time in the year) and the pupils' awards."""
    children = score_children(records, rules)
    by_child = {c.child_id: c for c in children}
    paired: dict[tuple[int, str, str], dict[int, None]] = {}
    for helper_id, name, role, child_id in pairings:
        paired.setdefault((helper_id, name, role), {})[child_id] = None  # a child counts once per helper
    helpers = [
        score_helper(helper_id, name, role, [by_child[c] for c in kids if c in by_child], rules)
        for (helper_id, name, role), kids in paired.items()
    ]
    return children, helpers, awards(records, rules)
