"""Tests of ebpm.disclosure: primary and secondary cell suppression of published tables.

The checks of protection below do not reuse the module's own interval code: ``_lp_interval``
builds the reader's linear program from the published table and its margins independently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from ebpm.disclosure import AUDIT_COLUMNS, Suppressed, suppress
from ebpm.errors import DataError, InvalidOptionError, MissingValueError, NonNumericError


# --- an independent reader ------------------------------------------------------------------
def _lp_interval(
    values: np.ndarray, mask: np.ndarray, cell: tuple[int, int], *, rows=True, cols=True
) -> tuple[float, float]:
    """What a reader can deduce about ``cell``: published cells, row/column totals, x >= 0."""
    m, n = values.shape
    hidden = [(i, j) for i in range(m) for j in range(n) if mask[i, j]]
    pos = {c: x for x, c in enumerate(hidden)}
    a_eq, b_eq = [], []
    lines = ([[(i, j) for j in range(n)] for i in range(m)] if rows else []) + (
        [[(i, j) for i in range(m)] for j in range(n)] if cols else []
    )
    for line in lines:
        row = np.zeros(len(hidden))
        for c in line:
            if mask[c]:
                row[pos[c]] = 1.0
        if row.any():
            total = sum(values[c] for c in line)
            published = sum(values[c] for c in line if not mask[c])
            a_eq.append(row)
            b_eq.append(total - published)
    if not a_eq:
        return 0.0, np.inf
    obj = np.zeros(len(hidden))
    obj[pos[cell]] = 1.0
    lo = linprog(obj, A_eq=a_eq, b_eq=b_eq, bounds=(0, None))
    hi = linprog(-obj, A_eq=a_eq, b_eq=b_eq, bounds=(0, None))
    return lo.fun, (np.inf if hi.status == 3 else -hi.fun)


def _recoverable_by_subtraction(values: np.ndarray, mask: np.ndarray, i: int, j: int) -> bool:
    """Row (or column) total minus the published cells of that line gives the cell exactly."""
    for line in (np.s_[i, :], np.s_[:, j]):
        hidden_in_line = mask[line].sum()
        unknown = values[line].sum() - values[line][~mask[line]].sum()
        if hidden_in_line == 1 and unknown == values[i, j]:
            return True
    return False


def _assert_safe(result: Suppressed, values: np.ndarray, k: int) -> None:
    """Every small cell hidden, none recoverable, every interval open, the rest unchanged."""
    mask = result.mask.to_numpy()
    m, n = values.shape
    for i in range(m):
        for j in range(n):
            if 0 < values[i, j] < k:
                assert mask[i, j], f"small cell {(i, j)} = {values[i, j]} published"
            if mask[i, j]:
                assert not _recoverable_by_subtraction(values, mask, i, j)
                lo, hi = _lp_interval(values, mask, (i, j))
                assert hi - lo > 0.5, f"cell {(i, j)} pinned to [{lo}, {hi}]"
                assert lo <= values[i, j] <= hi
                assert pd.isna(result.table.iat[i, j])
            else:
                assert result.table.iat[i, j] == values[i, j]


# --- hand-checked examples ------------------------------------------------------------------
def test_3x3_one_small_cell_gets_the_cheapest_rectangle():
    table = pd.DataFrame(
        [[10, 2, 8], [7, 9, 12], [11, 6, 5]], index=list("abc"), columns=list("XYZ")
    )
    result = suppress(table, k=3)
    # (a, Y) = 2 needs a rectangle: rows a + b|c, columns Y + X|Z. The four options cost
    # (secondary values) aX+bX+bY = 26, aX+cX+cY = 27, aZ+bY+bZ = 29, aZ+cY+cZ = 19.
    expected = [[False, True, True], [False, False, False], [False, True, True]]
    assert result.mask.to_numpy().tolist() == expected
    audit = result.audit.set_index(["row", "column"])
    assert audit.loc[("a", "Y"), "kind"] == "primary"
    assert audit.loc[("a", "Y"), "reason"] == "count 2 < k = 3"
    assert audit.loc[("a", "Z"), "reason"] == "secondary: protects (a, Y) in its row"
    assert audit.loc[("c", "Y"), "reason"] == "secondary: protects (a, Y) in its column"
    # aY = t, aZ = 10 - t, cY = 8 - t, cZ = 3 + t, all >= 0: t in [0, 8].
    assert audit[["lower", "upper"]].to_numpy().tolist() == [[0, 8], [2, 10], [0, 8], [3, 11]]
    assert list(result.audit.columns) == list(AUDIT_COLUMNS)
    assert result.table.dtypes.tolist() == ["Int64"] * 3
    assert result.table.loc["b"].tolist() == [7, 9, 12]


def test_4x4_two_small_cells_share_one_rectangle():
    table = pd.DataFrame(
        [[20, 1, 15, 30], [12, 14, 2, 25], [9, 40, 18, 11], [16, 13, 22, 0]],
        index=list("pqrs"),
        columns=list("ABCD"),
    )
    result = suppress(table)
    # (p, B) and (q, C) protect each other through (p, C) = 15 and (q, B) = 14: cost 29.
    expected = np.zeros((4, 4), dtype=bool)
    expected[[0, 0, 1, 1], [1, 2, 1, 2]] = True
    assert (result.mask.to_numpy() == expected).all()
    assert result.n_primary == 2
    assert result.n_secondary == 2
    # pB = t, pC = 16 - t, qB = 15 - t, qC = 1 + t: t in [0, 15].
    got = result.audit.set_index(["row", "column"])[["lower", "upper"]]
    assert got.loc[("p", "B")].tolist() == [0, 15]
    assert got.loc[("q", "C")].tolist() == [1, 16]
    # the empty cell (s, D) is published, as a true zero
    assert not result.mask.loc["s", "D"]
    assert result.empty.loc["s", "D"]
    assert result.formatted().loc["s", "D"] == "-"
    _assert_safe(result, table.to_numpy(), 3)


def test_two_per_line_is_not_enough_the_lp_adds_cells():
    table = pd.DataFrame(
        [[9, 19, 2, 19, 5], [20, 12, 18, 0, 2], [2, 9, 0, 16, 18], [6, 5, 12, 18, 1]],
        index=list("ABCD"),
        columns=list("vwxyz"),
    )
    values = table.to_numpy()
    # The cheapest "two per line" pattern: rectangle rows A, B x columns x, z, rectangle rows
    # C, D x columns v, w, and (D, z) between them. Every line with a hidden cell holds two or
    # more, yet (D, z) is a bridge: row D gives Dv + Dw + Dz = 12, and the second rectangle
    # gives Dv + Dw = (Cv + Dv) + (Cw + Dw) - (Cv + Cw) = 8 + 14 - 11 = 11, so Dz = 1.
    two_per_line = np.zeros((4, 5), dtype=bool)
    for c in [(0, 2), (0, 4), (1, 2), (1, 4), (2, 0), (2, 1), (3, 0), (3, 1), (3, 4)]:
        two_per_line[c] = True
    assert (two_per_line[:, two_per_line.any(axis=0)].sum(axis=0) >= 2).all()
    assert (two_per_line.sum(axis=1) >= 2).all()
    assert _lp_interval(values, two_per_line, (3, 4)) == pytest.approx((1, 1))

    result = suppress(table, k=4)
    # One 8-cycle A-v-C-w-D-z-B-x: Ax = 2 + t, Av = 9 - t, Cv = 2 + t, Cw = 9 - t,
    # Dw = 5 + t, Dz = 1 - t, Bz = 2 + t, Bx = 18 - t, all >= 0: t in [-2, 1].
    expected = [
        [True, False, True, False, False],
        [False, False, True, False, True],
        [True, True, False, False, False],
        [False, True, False, False, True],
    ]
    assert result.mask.to_numpy().tolist() == expected
    got = result.audit.set_index(["row", "column"])[["lower", "upper"]]
    assert got.loc[("D", "z")].tolist() == [0, 3]
    assert got.loc[("B", "x")].tolist() == [17, 20]
    assert (result.audit["upper"] - result.audit["lower"] == 3).all()
    _assert_safe(result, values, 4)


def test_audit_intervals_match_an_independent_reader():
    table = pd.DataFrame(
        [[2, 8, 13, 6], [4, 21, 7, 14], [18, 9, 26, 1], [11, 12, 2, 22]],
    )
    result = suppress(table)
    values, mask = table.to_numpy(), result.mask.to_numpy()
    assert result.n_primary == 3
    for row in result.audit.itertuples():
        assert (row.lower, row.upper) == pytest.approx(
            _lp_interval(values, mask, (row.row, row.column))
        )
        assert row.value == values[row.row, row.column]


def test_a_secondary_cell_may_be_an_empty_cell_only_when_nothing_else_will_do():
    table = pd.DataFrame([[1, 0], [0, 5]], index=["r1", "r2"], columns=["c1", "c2"])
    result = suppress(table)
    assert result.mask.to_numpy().all()
    reasons = result.audit.set_index(["row", "column"])["reason"]
    assert "an empty cell" in reasons[("r1", "c2")]
    assert "an empty cell" not in reasons[("r2", "c2")]
    # r1c1 = t, r1c2 = 1 - t, r2c1 = 1 - t, r2c2 = 4 + t: t in [0, 1].
    assert result.audit[["lower", "upper"]].to_numpy().tolist() == [[0, 1], [0, 1], [0, 1], [4, 5]]


def test_zero_counts_are_not_sensitive_and_are_printed_as_dash():
    table = pd.DataFrame([[0, 5, 6], [7, 1, 9], [8, 9, 10]], columns=["a", "b", "c"])
    result = suppress(table)
    assert not result.mask.iat[0, 0]
    assert result.mask.iat[1, 1]
    text = result.formatted()
    assert text.iat[0, 0] == "-"
    assert text.iat[1, 1] == "x"
    assert result.formatted(suppressed="*", zero="0").iat[0, 0] == "0"
    _assert_safe(result, table.to_numpy(), 3)


def test_nothing_to_hide_publishes_the_table_as_it_is():
    table = pd.DataFrame([[10, 20], [30, 40]])
    result = suppress(table, k=5)
    assert not result.mask.to_numpy().any()
    assert result.audit.empty
    assert list(result.audit.columns) == list(AUDIT_COLUMNS)
    assert result.table.astype("int64").equals(table)
    assert "none of the 4 cells needed hiding" in result.summary()


def test_k_1_hides_nothing_and_a_larger_k_hides_more():
    table = pd.DataFrame([[1, 4, 9], [2, 6, 8], [5, 7, 3]])
    assert suppress(table, k=1).n_primary == 0
    assert suppress(table, k=3).n_primary == 2
    assert suppress(table, k=5).n_primary == 4
    _assert_safe(suppress(table, k=5), table.to_numpy(), 5)


def test_rows_only_totals_need_two_per_row_only():
    table = pd.DataFrame([[1, 5, 7], [6, 8, 9]])
    result = suppress(table, totals="rows")
    assert result.mask.to_numpy().tolist() == [[True, True, False], [False, False, False]]
    assert result.audit[["lower", "upper"]].to_numpy().tolist() == [[0, 6], [0, 6]]
    columns = suppress(table.T, totals="columns")
    assert (columns.mask.to_numpy() == result.mask.to_numpy().T).all()


def test_no_totals_means_primary_suppression_only():
    table = pd.DataFrame([[1, 5], [6, 8]])
    result = suppress(table, totals="none")
    assert result.mask.to_numpy().tolist() == [[True, False], [False, False]]
    assert result.audit.loc[0, "lower"] == 0
    assert result.audit.loc[0, "upper"] == np.inf
    one = suppress(pd.DataFrame([[2]]), totals="none")
    assert one.mask.iat[0, 0]


def test_input_is_not_modified_and_the_result_is_deterministic():
    table = pd.DataFrame([[3, 1, 3, 4], [1, 3, 3, 3], [4, 3, 3, 1]])
    before = table.copy()
    first, second = suppress(table), suppress(table)
    assert table.equals(before)
    assert first.mask.equals(second.mask)
    assert first.audit.equals(second.audit)


# --- amounts, counts and dominance ----------------------------------------------------------
def _sales() -> tuple[pd.DataFrame, dict]:
    contributions = {
        ("製造業", "東京"): [40.0, 30.0, 30.0],
        ("小売業", "東京"): [20.0, 20.0, 10.0],
        ("建設業", "東京"): [30.0, 30.0, 20.0],
        ("製造業", "大阪"): [20.0, 20.0, 20.0],
        ("小売業", "大阪"): [910.0, 50.0, 40.0],
        ("建設業", "大阪"): [15.0, 15.0, 10.0],
        ("製造業", "鳥取"): [10.0, 10.0, 10.0],
        ("小売業", "鳥取"): [15.0, 5.0],
        ("建設業", "鳥取"): [30.0, 20.0, 20.0],
    }
    rows, cols = ["製造業", "小売業", "建設業"], ["東京", "大阪", "鳥取"]
    table = pd.DataFrame(
        [[sum(contributions[r, c]) for c in cols] for r in rows], index=rows, columns=cols
    )
    return table, contributions


def test_dominance_rule_hides_a_cell_one_firm_dominates():
    table, contributions = _sales()
    result = suppress(
        table, dominance=(1, 0.85), contributions=contributions, name="売上高（百万円）"
    )
    audit = result.audit.set_index(["row", "column"])
    assert audit.loc[("小売業", "大阪"), "reason"] == (
        "dominance: largest 1 contributor(s) = 91% > 85%"
    )
    assert audit.loc[("小売業", "大阪"), "count"] == 3
    assert audit.loc[("小売業", "鳥取"), "reason"] == "count 2 < k = 3"
    assert result.n_primary == 2
    assert result.table.dtypes.tolist() == ["Float64"] * 3
    _assert_safe(result, table.to_numpy(), 0)
    assert "1 by the (1, 85%) rule" in result.summary()
    assert result.summary().startswith("売上高（百万円）: 4 of 9 cells are hidden")
    # without the dominance rule only the two-contributor cell is primary
    assert suppress(table, contributions=contributions).n_primary == 1


def test_dominance_top_two_and_p_one():
    table, contributions = _sales()
    two = suppress(table, dominance=(2, 0.9), contributions=contributions)
    primary = two.audit[two.audit["kind"] == "primary"]
    # (小売業, 大阪): 960 / 1000 = 96%; (小売業, 鳥取) has two contributors: 100%
    assert set(zip(primary["row"], primary["column"], strict=True)) == {
        ("小売業", "大阪"),
        ("小売業", "鳥取"),
    }
    assert (
        "largest 2 contributor(s) = 100% > 90%" in primary.set_index("column").loc["鳥取", "reason"]
    )
    never = suppress(table, dominance=(1, 1.0), contributions=contributions, k=1)
    assert never.n_primary == 0


def test_amounts_with_counts_hide_by_counts_and_protect_the_amounts():
    sums = pd.DataFrame(
        [[120.5, 30.25, 400.0], [80.0, 95.5, 60.0], [210.0, 44.0, 18.75]],
        index=["A", "B", "C"],
        columns=["x", "y", "z"],
    )
    counts = pd.DataFrame(
        [[10, 2, 12], [8, 9, 7], [15, 6, 1]], index=sums.index, columns=sums.columns
    )
    result = suppress(sums, counts=counts)
    mask = result.mask.to_numpy()
    assert mask[0, 1]
    assert mask[2, 2]
    _assert_safe(result, sums.to_numpy(), 0)
    assert result.audit.set_index(["row", "column"]).loc[("A", "y"), "count"] == 2
    assert result.formatted(digits=1).loc["A", "x"] == "120.5"
    # counts given with the labels in another order are aligned, not taken by position
    shuffled = counts.loc[["C", "A", "B"], ["z", "x", "y"]]
    assert suppress(sums, counts=shuffled).mask.equals(result.mask)
    assert suppress(sums, counts=counts.to_numpy()).mask.equals(result.mask)


def test_negative_amounts_drop_the_non_negativity_bound():
    profit = pd.DataFrame([[-40.0, 12.0, 30.0], [25.0, -8.0, 14.0], [9.0, 21.0, -3.0]])
    counts = np.array([[6, 2, 9], [7, 8, 5], [4, 6, 10]])
    result = suppress(profit, counts=counts)
    assert result.mask.iat[0, 1]
    assert result.n_secondary == 3
    # without a lower bound a hidden cell of a cycle can be anything
    assert (result.audit["lower"] == -np.inf).all()
    assert (result.audit["upper"] == np.inf).all()
    assert "(none is bounded)" in result.summary()


def test_the_result_is_frozen():
    result = suppress(pd.DataFrame([[1, 5], [6, 8]]))
    with pytest.raises(AttributeError, match=r"cannot assign to field 'k'"):
        result.k = 1


def test_counts_from_contributions_when_counts_not_given():
    table, contributions = _sales()
    result = suppress(table, contributions=contributions)
    assert result.audit.set_index(["row", "column"]).loc[("小売業", "鳥取"), "count"] == 2


# --- impossible tables ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "cells",
    [[[2]], [[5, 1, 7]], [[2, 0], [0, 0]], [[4], [1], [6]]],
    ids=["1x1", "one-row", "alone-in-empty-table", "one-column"],
)
def test_no_safe_suppression_is_an_error_not_a_table_of_x(cells):
    with pytest.raises(DataError, match=r"no suppression can protect cell .* Merge its row"):
        suppress(pd.DataFrame(cells))


def test_single_row_is_fine_when_only_row_totals_are_published():
    result = suppress(pd.DataFrame([[5, 1, 7]]), totals="rows")
    assert result.mask.to_numpy().tolist() == [[True, True, False]]


# --- labels and HTML ------------------------------------------------------------------------
def test_japanese_labels_and_html_escaping():
    table = pd.DataFrame(
        [[12, 1, 30], [25, 14, 9], [8, 16, 11]],
        index=pd.Index(["東京都", "x&y", "<script>alert(1)</script>"], name="都道府県"),
        columns=pd.Index(["<script>", "20〜39歳", "40歳以上"], name="年齢"),
    )
    result = suppress(table, name="<b>人口</b>")
    page = result.to_html()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "x&amp;y" in page
    assert "<caption>&lt;b&gt;人口&lt;/b&gt;</caption>" in page
    assert "<th>東京都</th>" in page
    assert "<th>都道府県</th>" in page
    assert '<th colspan="3">年齢</th>' in page
    assert page.count("<td>x</td>") == int(result.mask.to_numpy().sum())
    assert "Note: x: hidden to protect small groups (fewer than 3 contributors)" in page
    assert result._repr_html_() == page
    secondary = result.audit[result.audit["kind"] == "secondary"]
    assert secondary["reason"].str.contains("(東京都, 20〜39歳)", regex=False).all()
    assert str(result) == result.summary()


def test_html_note_mentions_dashes_and_can_be_replaced():
    result = suppress(pd.DataFrame([[0, 5, 6], [7, 1, 9], [8, 9, 1200]]))
    page = result.to_html()
    assert "-: no contributors." in page
    assert "<td>1,200</td>" in page
    assert "<td>-</td>" in page
    assert "注：x は秘匿" in result.to_html(note="注：x は秘匿")


# --- a realistic example --------------------------------------------------------------------
def test_prefecture_by_age_group_from_microdata():
    rng = np.random.default_rng(20240401)
    sizes = {"北海道": 400, "東京都": 900, "大阪府": 600, "鳥取県": 25, "島根県": 30, "高知県": 40}
    groups = ["0〜14歳", "15〜29歳", "30〜44歳", "45〜64歳", "65〜74歳", "75歳以上"]
    weights = np.array([0.12, 0.14, 0.18, 0.26, 0.14, 0.16])
    people = pd.DataFrame(
        {
            "prefecture": np.repeat(list(sizes), list(sizes.values())),
            "age": np.concatenate([rng.choice(groups, size=s, p=weights) for s in sizes.values()]),
        }
    )
    crosstab = pd.crosstab(people["prefecture"], people["age"]).loc[list(sizes), groups]
    values = crosstab.to_numpy()
    small = {(p, a) for p in crosstab.index for a in crosstab.columns if 0 < crosstab.loc[p, a] < 5}
    assert small  # the small prefectures do have small cells

    result = suppress(crosstab, k=5, name="年齢階級別人口")
    primary = result.audit[result.audit["kind"] == "primary"]
    assert set(zip(primary["row"], primary["column"], strict=True)) == small
    _assert_safe(result, values, 5)
    assert result.n_secondary >= 1
    assert result.table.index.name == "prefecture"
    assert result.table.columns.name == "age"
    assert not result.mask.loc["東京都"].any() or result.audit["row"].eq("東京都").any()
    assert f"{len(small)} with fewer than k = 5 contributors" in result.summary()


# --- random tables --------------------------------------------------------------------------
@st.composite
def _tables(draw):
    m = draw(st.integers(2, 6))
    n = draw(st.integers(2, 6))
    cells = draw(st.lists(st.integers(0, 20), min_size=m * n, max_size=m * n))
    k = draw(st.integers(2, 5))
    return np.array(cells, dtype=np.int64).reshape(m, n), k


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_tables())
def test_random_tables_are_always_safe(case):
    values, k = case
    table = pd.DataFrame(values)
    # Impossible exactly when even hiding every cell leaves some small cell determined.
    everything = np.ones(values.shape, dtype=bool)
    small = [tuple(c) for c in np.argwhere((values > 0) & (values < k))]
    widths = [np.subtract(*_lp_interval(values, everything, c)[::-1]) for c in small]
    if widths and min(widths) < 0.5:
        with pytest.raises(DataError, match=r"no suppression can protect cell"):
            suppress(table, k=k)
        return
    result = suppress(table, k=k)
    _assert_safe(result, values, k)
    primary = result.audit[result.audit["kind"] == "primary"]
    assert len(primary) == int(((values > 0) & (values < k)).sum())
    assert (result.audit["upper"] - result.audit["lower"] >= 1).all()


# --- errors ---------------------------------------------------------------------------------
def test_table_must_be_a_dataframe():
    with pytest.raises(DataError, match=r"takes a pandas DataFrame as `table`, got ndarray"):
        suppress(np.array([[1, 2], [3, 4]]))


def test_empty_table():
    with pytest.raises(DataError, match=r"empty table"):
        suppress(pd.DataFrame())


def test_counts_shape_mismatch_names_both_shapes():
    table = pd.DataFrame([[1.5, 2.0], [3.0, 4.0]])
    with pytest.raises(
        DataError, match=r"counts has shape \(3, 2\) but the table has shape \(2, 2\)"
    ):
        suppress(table, counts=pd.DataFrame([[1, 2], [3, 4], [5, 6]]))
    with pytest.raises(
        DataError, match=r"counts has shape \(2, 3\) but the table has shape \(2, 2\)"
    ):
        suppress(table, counts=np.ones((2, 3)))


def test_counts_with_other_labels():
    table = pd.DataFrame([[1.5, 2.0], [3.0, 4.0]], index=["東京都", "大阪府"])
    counts = pd.DataFrame([[1, 2], [3, 4]], index=["東京", "大阪府"])
    with pytest.raises(DataError, match=r"counts has the row '東京'.*Did you mean '東京都'"):
        suppress(table, counts=counts)


def test_negative_counts():
    with pytest.raises(DataError, match=r"must not be negative: -1 at \(b, y\)"):
        suppress(pd.DataFrame([[1, 2], [3, -1]], index=["a", "b"], columns=["x", "y"]))
    with pytest.raises(DataError, match=r"counts must not be negative: -2"):
        suppress(pd.DataFrame([[1.5, 2.0], [3.0, 4.0]]), counts=np.array([[1, -2], [3, 4]]))


def test_non_integer_table_without_counts_says_to_pass_counts():
    with pytest.raises(DataError, match=r"not a table of counts: pass counts="):
        suppress(pd.DataFrame([[1.5, 2.0], [3.0, 4.0]]))


def test_non_integer_counts():
    with pytest.raises(DataError, match=r"counts must be whole numbers.*2.5"):
        suppress(pd.DataFrame([[1.0, 2.0], [3.0, 4.0]]), counts=np.array([[1, 2.5], [3, 4]]))


def test_value_without_contributors():
    with pytest.raises(DataError, match=r"has value 4 but 0 contributors"):
        suppress(pd.DataFrame([[1.0, 2.0], [3.0, 4.0]]), counts=np.array([[1, 2], [3, 0]]))


def test_non_numeric_and_missing_cells():
    with pytest.raises(NonNumericError, match=r"column 'b' of the table holds \w+ values"):
        suppress(pd.DataFrame({"a": [1, 2], "b": ["3", "4"]}))
    with pytest.raises(MissingValueError, match=r"missing value at \(1, a\)"):
        suppress(pd.DataFrame({"a": [1.0, np.nan], "b": [3.0, 4.0]}))


def test_duplicate_labels():
    table = pd.DataFrame([[1, 2], [3, 4]], index=["東京都", "東京都"])
    with pytest.raises(DataError, match=r"row label '東京都' appears more than once"):
        suppress(table)


@pytest.mark.parametrize("k", [0, -3, 2.5, True])
def test_k_must_be_at_least_one(k):
    with pytest.raises(InvalidOptionError, match=r"k must be a whole number >= 1"):
        suppress(pd.DataFrame([[1, 2], [3, 4]]), k=k)


@pytest.mark.parametrize(
    ("dominance", "message"),
    [
        ((1, 85), r"p must be a share in \(0, 1\], e\.g\. 0\.85; got 85\. Did you mean 0\.85\?"),
        ((1, 0), r"p must be a share in \(0, 1\]"),
        ((1, 1.2), r"p must be a share in \(0, 1\], e\.g\. 0\.85; got 1\.2\.$"),
        ((0, 0.85), r"dominance n must be a whole number >= 1"),
        (0.85, r"dominance must be a pair \(n, p\)"),
    ],
)
def test_dominance_options(dominance, message):
    table, contributions = _sales()
    with pytest.raises(InvalidOptionError, match=message):
        suppress(table, dominance=dominance, contributions=contributions)


def test_dominance_needs_contributions():
    table, _ = _sales()
    with pytest.raises(InvalidOptionError, match=r"needs the value of each contributor"):
        suppress(table, dominance=(1, 0.85), counts=np.full((3, 3), 3))


def test_contributions_must_name_cells_of_the_table():
    table, contributions = _sales()
    contributions = {**contributions, ("小売", "大阪"): [1.0]}
    with pytest.raises(DataError, match=r"the row '小売'.*Did you mean '小売業'"):
        suppress(table, dominance=(1, 0.85), contributions=contributions)


def test_contributions_must_agree_with_counts():
    table, contributions = _sales()
    counts = np.full((3, 3), 3)
    with pytest.raises(
        DataError, match=r"lists 2 value\(s\) for \(小売業, 鳥取\) but counts says 3"
    ):
        suppress(table, counts=counts, dominance=(1, 0.85), contributions=contributions)


def test_negative_contributions():
    table, contributions = _sales()
    contributions = {**contributions, ("小売業", "鳥取"): [25.0, -5.0]}
    with pytest.raises(DataError, match=r"negative or missing value"):
        suppress(table, dominance=(1, 0.85), contributions=contributions)


def test_unknown_totals():
    with pytest.raises(
        InvalidOptionError, match=r"totals='row' is not one of .*Did you mean 'rows'"
    ):
        suppress(pd.DataFrame([[1, 2], [3, 4]]), totals="row")
