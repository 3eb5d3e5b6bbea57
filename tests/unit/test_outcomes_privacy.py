"""Property: no sum or difference of the numbers that reports show reveals 1-4 people.

A reader holds every event report and the pooled report (a company over any dates). Each
number published is a count (and with it a mean) over a set of people. People fall into atoms,
one per event and routine. A group of people can be worked out exactly when its indicator over
the atoms is a linear combination of the published sets' indicators, that is, when it is
orthogonal to the null space of the published rows. The test checks every such group.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from chairops.outcomes import rules
from chairops.outcomes.rules import ALL, ROUTINES, Scores, comparable

QUANTITIES = ("people", "before", "after", "two_days")
score = st.none() | st.integers(0, 10)
person = st.builds(
    Scores,
    routine=st.sampled_from(ROUTINES),
    before=st.integers(0, 10) | st.none(),
    after=score,
    two_days=score,
)
# Few routines per event on purpose, so groups of 1 to 6 people are common.
event = st.lists(person, max_size=22)


def counted(p: Scores, quantity: str) -> bool:
    return quantity == "people" or getattr(comparable(p), quantity) is not None


def shown_count(group: rules.Group, quantity: str) -> int | None:
    if group.withheld:
        return None
    if quantity == "people":
        return group.people
    summary = getattr(group, quantity)
    return summary.n if summary else None


def null_space(rows: list[list[int]], width: int) -> list[list[Fraction]]:
    """A basis of {x : row . x = 0 for every row}, by Gaussian elimination over the rationals."""
    matrix = [[Fraction(v) for v in r] for r in rows]
    pivots, rank = [], 0
    for col in range(width):
        pivot = next((i for i in range(rank, len(matrix)) if matrix[i][col] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        lead = matrix[rank][col]
        matrix[rank] = [v / lead for v in matrix[rank]]
        for i in range(len(matrix)):
            if i != rank and matrix[i][col] != 0:
                factor = matrix[i][col]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[rank], strict=True)]
        pivots.append(col)
        rank += 1
    basis = []
    for free in (c for c in range(width) if c not in pivots):
        x = [Fraction(0)] * width
        x[free] = Fraction(1)
        for i, col in enumerate(pivots):
            x[col] = -matrix[i][free]
        basis.append(x)
    return basis


def derivable_small_groups(cells: list[set], sizes: dict, min_group: int) -> list[tuple]:
    """Every union of atoms of 1 to min_group-1 people that the published cells let one compute."""
    atoms = [a for a, n in sizes.items() if n > 0]
    rows = [[1 if a in cell else 0 for a in atoms] for cell in cells]
    basis = null_space(rows, len(atoms)) if rows else None
    small = [i for i, a in enumerate(atoms) if sizes[a] < min_group]
    found = []
    for k in range(1, len(small) + 1):
        for chosen in combinations(small, k):
            total = sum(sizes[atoms[i]] for i in chosen)
            if total >= min_group or rows == []:
                continue
            if all(sum(x[i] for i in chosen) == 0 for x in basis):
                found.append(tuple(atoms[i] for i in chosen))
    return found


@settings(max_examples=300, deadline=None)
@given(st.lists(event, min_size=1, max_size=3), st.sampled_from([2, 3, 5]))
def test_no_combination_of_published_numbers_reveals_a_small_group(events, min_group):
    reports = [rules.report(e, min_group) for e in events]
    pooled = rules.pooled_report(events, min_group)
    for quantity in QUANTITIES:
        sizes = {
            (i, r): sum(1 for p in e if p.routine == r and counted(p, quantity))
            for i, e in enumerate(events)
            for r in ROUTINES
        }
        cells, per_event = [], {}
        for i, groups in enumerate(reports):
            for group in groups:
                n = shown_count(group, quantity)
                if n is None:
                    continue
                cell = {(i, r) for r in (ROUTINES if group.routine == ALL else [group.routine])}
                assert n == sum(sizes[a] for a in cell)  # the number is about exactly this set
                cells.append(cell)
                per_event[(i, group.routine)] = cell
        for group in pooled:
            n = shown_count(group, quantity)
            if n is None:
                continue
            parts = [c for (i, name), c in per_event.items() if name == group.routine]
            cell = set().union(*parts)
            assert parts and n == sum(sizes[a] for a in cell)  # only what events show is pooled
            cells.append(cell)
        assert derivable_small_groups(cells, sizes, min_group) == [], quantity


@settings(max_examples=200, deadline=None)
@given(st.lists(event, min_size=1, max_size=3), st.sampled_from([2, 3, 5]))
def test_every_number_shown_counts_at_least_min_group_people(events, min_group):
    for groups in [rules.report(e, min_group) for e in events] + [
        rules.pooled_report(events, min_group)
    ]:
        for group in groups:
            body = group.as_dict()
            if group.withheld:
                assert all(v is None for k, v in body.items() if k not in ("routine", "withheld"))
                continue
            assert group.people >= min_group
            for measure in rules.MEASURES:
                assert body[measure] is None or body[measure]["n"] >= min_group
            if group.improved_2_or_more is not None:
                assert group.after is not None and 0 <= group.improved_2_or_more <= 1


def test_the_checker_finds_a_total_minus_a_routine():
    """Without complementary suppression, all (12) minus glute (9) gives 3 people away."""
    sizes = {(0, "glute_exception"): 9, (0, "standard"): 3}
    cells = [{(0, "glute_exception")}, {(0, "glute_exception"), (0, "standard")}]
    assert derivable_small_groups(cells, sizes, 5) == [((0, "standard"),)]


def test_the_checker_finds_two_date_ranges_subtracted():
    """A pooled glute of two events minus one event's glute gives the other's 3 away."""
    sizes = {(0, "glute_exception"): 6, (1, "glute_exception"): 3}
    cells = [{(0, "glute_exception")}, {(0, "glute_exception"), (1, "glute_exception")}]
    assert derivable_small_groups(cells, sizes, 5) == [((1, "glute_exception"),)]
