"""Checks `dlref.data.preprocessing.frame_to_tensors` against pandas, on generated frames and every device.

The generated frames mix the dtypes a CSV or a hand-built frame gives (float, int, bool, pandas'
nullable Int64 and boolean, str, object, category) with random patterns of missing values. The
reference result is built with pandas itself: numeric columns filled with pandas' own statistic,
categorical ones through `pandas.get_dummies`, converted with ``to_numpy(dtype=...)``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.data.preprocessing import frame_to_tensors
from profiles import scaled

on_each_device = settings(max_examples=scaled(30))

NUMERIC_KINDS = ["float64", "int64", "Int64", "bool", "boolean"]
CATEGORICAL_KINDS = ["str", "object", "category"]
WORDS = ["Pave", "Grvl", "碎石", "a", "b b"]


@st.composite
def column(draw: st.DrawFn, kind: str, rows: int) -> pd.Series:
    """Draw one column of ``kind`` with ``rows`` values, some missing where the dtype allows."""
    can_miss = kind not in ("int64", "bool")
    missing = [can_miss and draw(st.integers(0, 2)) == 0 for _ in range(rows)]
    if kind in NUMERIC_KINDS and all(missing):
        missing[draw(st.integers(0, rows - 1))] = False  # mean and median need one present value
    if kind == "float64":
        values = [draw(st.floats(-100, 100, allow_subnormal=False)) for _ in range(rows)]
    elif kind in ("int64", "Int64"):
        values = [draw(st.integers(-50, 50)) for _ in range(rows)]
    elif kind in ("bool", "boolean"):
        values = [draw(st.booleans()) for _ in range(rows)]
    else:
        values = [draw(st.sampled_from(WORDS[:3])) for _ in range(rows)]
    values = [None if gone else value for value, gone in zip(values, missing, strict=True)]
    if kind == "category":  # the words used, and perhaps unused ones, declared in any order
        declared = draw(st.permutations(WORDS[:3] + draw(st.lists(st.sampled_from(WORDS[3:]), unique=True))))
        return pd.Series(pd.Categorical(values, categories=declared))
    if kind == "float64":
        return pd.Series(values, dtype="float64")
    return pd.Series(values, dtype=kind)


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    """Draw a frame of 1 to 8 rows: 0 to 5 feature columns of mixed kinds, then a target ``y``."""
    rows = draw(st.integers(1, 8))
    kinds = draw(st.lists(st.sampled_from(NUMERIC_KINDS + CATEGORICAL_KINDS), max_size=5))
    data = {f"{'特征' if draw(st.booleans()) else 'x'}{i}": draw(column(kind, rows)) for i, kind in enumerate(kinds)}
    data["y"] = pd.Series([draw(st.floats(-1e3, 1e3, allow_subnormal=False)) for _ in range(rows)])
    frame = pd.DataFrame(data)
    frame.index = draw(st.permutations(range(10, 10 + rows)))  # labels that are not positions
    return frame


def expected_with_pandas(frame: pd.DataFrame, impute: str, dummy_na: bool) -> pd.DataFrame:
    """The features by pandas: numeric columns filled, then get_dummies of the others, as float64."""
    features = frame.drop(columns="y")
    categorical = [c for c in features if not pd.api.types.is_numeric_dtype(features[c].dtype)]
    numeric = features.drop(columns=categorical).astype("float64")
    if impute == "constant":
        numeric = numeric.fillna(-1.5)
    else:
        numeric = numeric.fillna(numeric.mean() if impute == "mean" else numeric.median())
    if not categorical:
        return numeric
    return numeric.join(pd.get_dummies(features[categorical], dummy_na=dummy_na, dtype="float64"))


@on_each_device
@given(frame=frames(), impute=st.sampled_from(["mean", "median", "constant"]), dummy_na=st.booleans())
def test_equals_pandas_and_loses_no_row(frame: pd.DataFrame, impute: str, dummy_na: bool, device: torch.device) -> None:
    """Any mixed frame: pandas' columns and values, float32, every row kept, no NaN."""
    result = frame_to_tensors(frame, "y", impute=impute, fill_value=-1.5, dummy_na=dummy_na, device=device)
    expected = expected_with_pandas(frame, impute, dummy_na)
    assert result.feature_names == tuple(expected.columns)
    assert result.features.dtype == result.targets.dtype == torch.float32
    assert result.features.device == result.targets.device == torch.device(device)
    assert result.features.shape == (len(frame), expected.shape[1])
    assert result.targets.shape == (len(frame),)
    assert not result.features.isnan().any()
    assert torch.equal(result.features.cpu(), torch.tensor(expected.to_numpy(dtype="float32")))
    assert torch.equal(result.targets.cpu(), torch.tensor(frame["y"].to_numpy(dtype="float32")))
    report = result.report
    assert (report.rows_in, report.rows_out, report.dropped_rows) == (len(frame), len(frame), ())


@on_each_device
@given(frame=frames(), dummy_na=st.booleans())
def test_report_accounts_for_every_column(frame: pd.DataFrame, dummy_na: bool, device: torch.device) -> None:
    """Each input column once, in order; its outputs are the features in order; fills and groups hold."""
    result = frame_to_tensors(frame, "y", dummy_na=dummy_na, device=device)
    report = result.report
    assert [c.name for c in report.columns] == list(frame.columns)
    numeric = [name for c in report.columns if c.role == "numeric" for name in c.outputs]
    one_hot = [name for c in report.columns if c.role == "one-hot" for name in c.outputs]
    assert tuple(numeric + one_hot) == result.feature_names == report.feature_names
    assert report.target_names == ("y",)
    assert len(str(report).splitlines()) == 2 + len(frame.columns)
    position = {name: i for i, name in enumerate(result.feature_names)}
    for c in report.columns:
        missing = frame[c.name].isna().to_numpy()
        assert c.missing == missing.sum()
        if c.role == "numeric":
            assert (c.name in report.imputed) == missing.any()
            if missing.any():  # the report's value is the one written into the missing rows
                filled = result.features[torch.tensor(missing, device=device), position[c.outputs[0]]]
                assert torch.equal(filled, torch.full_like(filled, report.imputed[c.name]))
        elif c.role == "one-hot":
            group = result.features[:, [position[name] for name in c.outputs]]
            assert set(group.unique().tolist()) <= {0.0, 1.0}
            expected_sums = torch.ones(len(frame)) if dummy_na else torch.from_numpy(~missing).float()
            assert torch.equal(group.sum(dim=1).cpu(), expected_sums)
            assert (c.outputs[-1:] == (f"{c.name}_nan",)) == dummy_na


@on_each_device
@given(frame=frames())
def test_drop_rows_with_missing_drops_exactly_those_and_reports_them(frame: pd.DataFrame, device: torch.device) -> None:
    """drop_rows_with_missing=True keeps the complete rows, as frame.dropna(), and lists the others."""
    complete = frame.dropna()
    if complete.empty:
        with pytest.raises(ValueError, match="no rows left"):
            frame_to_tensors(frame, "y", drop_rows_with_missing=True, device=device)
        return
    result = frame_to_tensors(frame, "y", drop_rows_with_missing=True, device=device)
    assert result.report.rows_out == len(complete) == result.features.shape[0]
    assert result.report.dropped_rows == tuple(frame.index[frame.isna().any(axis=1)])
    assert result.report.imputed == {}
    # Categories seen only in dropped rows are gone; a category dtype keeps its declared ones.
    assert torch.equal(result.features, frame_to_tensors(complete, "y", device=device).features)


@settings(max_examples=scaled(30))
@given(frame=frames(), threshold=st.sampled_from([0.0, 0.25, 0.5, 0.9]))
def test_drop_columns_over_missing_drops_exactly_those_over(frame: pd.DataFrame, threshold: float) -> None:
    """A feature column is dropped exactly when its missing fraction is above the threshold."""
    result = frame_to_tensors(frame, "y", drop_columns_over_missing=threshold)
    over = {c for c in frame.columns if c != "y" and frame[c].isna().mean() > threshold}
    assert set(result.report.dropped_columns) == over
    assert not any(name.split("_")[0] in over for name in result.feature_names if name not in frame.columns)
    assert result.report.rows_out == len(frame)


# The d2l example ---------------------------------------------------------------------------------

HOUSE_TINY = "NumRooms,Alley,Price\nNA,Pave,127500\n2,NA,106000\n4,NA,178100\nNA,NA,140000\n"


@pytest.fixture
def house_tiny(tmp_path) -> pd.DataFrame:
    """d2l's house_tiny.csv, written to a temporary directory and read back."""
    path = tmp_path / "house_tiny.csv"
    path.write_text(HOUSE_TINY)
    return pd.read_csv(path)


def test_d2l_house_tiny_values(house_tiny: pd.DataFrame, device: torch.device) -> None:
    """NumRooms filled with 3.0, Alley as Alley_Pave and Alley_nan, float32, as d2l shows."""
    result = frame_to_tensors(house_tiny, "Price", device=device)
    d2l_inputs = [[3.0, 1.0, 0.0], [2.0, 0.0, 1.0], [4.0, 0.0, 1.0], [3.0, 0.0, 1.0]]
    assert torch.equal(result.features, torch.tensor(d2l_inputs, device=device))
    assert torch.equal(result.targets, torch.tensor([127500.0, 106000.0, 178100.0, 140000.0], device=device))
    assert result.features.dtype == result.targets.dtype == torch.float32
    assert result.feature_names == ("NumRooms", "Alley_Pave", "Alley_nan")
    assert result.report.imputed == {"NumRooms": 3.0}
    assert result.report.encoded == {"Alley": ("Alley_Pave", "Alley_nan")}


def test_d2l_exercise_drops_the_column_with_most_missing(house_tiny: pd.DataFrame) -> None:
    """Alley (3 of 4 missing) goes with any threshold in [0.5, 0.75); NumRooms (2 of 4) stays."""
    result = frame_to_tensors(house_tiny, "Price", drop_columns_over_missing=0.5)
    assert result.feature_names == ("NumRooms",)
    assert list(result.report.dropped_columns) == [house_tiny.isna().sum().idxmax()] == ["Alley"]


def test_old_d2l_path_fails_on_current_pandas(house_tiny: pd.DataFrame) -> None:
    """The failures the page shows: a mean over a text column, and an object array for torch."""
    inputs = house_tiny.iloc[:, 0:2]
    with pytest.raises(TypeError):
        inputs.fillna(inputs.mean())
    encoded = pd.get_dummies(inputs.fillna(inputs.mean(numeric_only=True)), dummy_na=True)
    assert encoded.to_numpy().dtype == object
    with pytest.raises(TypeError, match=r"numpy\.object_"):
        torch.tensor(encoded.values)


# Options ----------------------------------------------------------------------------------------


def test_overrides_dtype_and_targets(device: torch.device) -> None:
    """numeric= converts text numbers, categorical= encodes ints, int64 class labels, two targets."""
    frame = pd.DataFrame({"n": ["1", "2.5", None], "zip": [94, 10, 94], "label": [1, 0, 1], "z": [0.5, 1.0, 2.0]})
    result = frame_to_tensors(
        frame, "label", numeric=["n"], categorical=["zip"], dtype=torch.float64, target_dtype=torch.int64, device=device
    )
    assert result.feature_names == ("n", "z", "zip_10", "zip_94", "zip_nan")
    assert result.features.dtype == torch.float64
    assert result.features[:, 0].tolist() == [1.0, 2.5, 1.75]
    assert result.targets.tolist() == [1, 0, 1]
    assert result.targets.dtype == torch.int64
    two = frame_to_tensors(frame, ["label", "z"], numeric=["n"], device=device)
    assert two.targets.shape == (3, 2)
    assert two.target_names == ("label", "z")


def test_rows_missing_the_target_are_dropped_before_the_mean(device: torch.device) -> None:
    """drop_rows_with_missing=["price"] drops that row only; the mean comes from the rows kept."""
    frame = pd.DataFrame({"a": [1.0, None, 100.0, 3.0], "price": [1.0, 2.0, None, 4.0]}, index=[7, 8, 9, 10])
    result = frame_to_tensors(frame, "price", drop_rows_with_missing=["price"], device=device)
    assert result.report.dropped_rows == (9,)
    assert (result.report.rows_in, result.report.rows_out) == (4, 3)
    assert result.features[:, 0].tolist() == [1.0, 2.0, 3.0]  # mean of 1 and 3, not of 1, 100 and 3
    assert result.targets.tolist() == [1.0, 2.0, 4.0]
    assert "a: numeric, 1 missing, filled with the mean 2.0" in str(result.report)


def test_median_and_constant_fill() -> None:
    """The median of 1, 2, 10 is 2; a constant is the constant; the report says which."""
    frame = pd.DataFrame({"a": [1.0, None, 2.0, 10.0], "y": [0.0, 1.0, 2.0, 3.0]})
    assert frame_to_tensors(frame, "y", impute="median").features[1, 0].item() == 2.0
    constant = frame_to_tensors(frame, "y", impute="constant", fill_value=-1)
    assert constant.features[1, 0].item() == -1.0
    assert "filled with the constant -1.0" in str(constant.report)


def test_all_missing_column_with_constant_fill_is_accepted() -> None:
    """An all-NaN column cannot have a mean, but it can be filled with a constant."""
    frame = pd.DataFrame({"a": [None, None], "y": [1.0, 2.0]}, dtype="float64")
    assert frame_to_tensors(frame, "y", impute="constant").features.tolist() == [[0.0], [0.0]]


# Bad input --------------------------------------------------------------------------------------

FRAME = pd.DataFrame({"rooms": [2.0, None], "alley": ["Pave", None], "price": [1.0, 2.0]})


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (FRAME.iloc[:0], {}, "the frame has no rows (its columns are 'rooms', 'alley', 'price')"),
        (FRAME.rename(columns={"alley": "rooms"}), {}, "column labels must be unique, but 'rooms' appears 2 times"),
        (FRAME, {"target": "prise"}, "target: no column 'prise'"),
        (FRAME, {"numeric": ["alley"]}, "column 'alley' was asked to be numeric, but it holds 'Pave' (row 0)"),
        (FRAME.assign(rooms=np.nan), {}, "column 'rooms' has no values to take the mean of (all 2 are missing)"),
        (FRAME.assign(rooms=np.nan), {"impute": "median"}, "column 'rooms' has no values to take the median of"),
        (FRAME.assign(price=[1.0, None]), {}, "target column 'price' has 1 missing values"),
        (FRAME.assign(price=["a", "b"]), {}, "target column 'price' holds 'a' (row 0), which is not a number"),
        (FRAME.assign(rooms=[1.0, np.inf]), {}, "column 'rooms' holds inf (row 1): only finite numbers"),
        (FRAME, {"drop_columns": ["price"]}, "drop_columns: column 'price' is a target, not a feature"),
        (FRAME, {"numeric": ["rooms"], "categorical": ["rooms"]}, "column 'rooms' is named both numeric and"),
        (FRAME, {"categorical": ["room"]}, "categorical: no column 'room'"),
        (FRAME.assign(alley_Pave=1.0), {}, "two output columns would both be named 'alley_Pave'"),
        (FRAME.assign(when=pd.Timestamp(0)), {}, "column 'when' has dtype datetime64"),
        (FRAME, {"impute": "mode"}, "impute must be 'mean', 'median' or 'constant', got 'mode'"),
        (FRAME, {"drop_columns_over_missing": 1.5}, "drop_columns_over_missing must be a fraction in [0, 1]"),
        (
            FRAME.assign(rooms=[None, 1.0]),
            {"drop_rows_with_missing": ["rooms", "alley"]},
            "every row has a missing value in 'rooms', 'alley'",
        ),
        (FRAME.assign(price=[1.5, 2.0]), {"target_dtype": torch.int64}, "target_dtype=torch.int64 needs whole"),
    ],
)
def test_bad_input_names_the_column(frame: pd.DataFrame, kwargs: dict[str, object], message: str) -> None:
    """Each bad input is a ValueError whose message names what was wrong."""
    kwargs = {"target": "price", **kwargs}
    with pytest.raises(ValueError, match=re.escape(message)):
        frame_to_tensors(frame, **kwargs)


def test_integer_dtype_for_features_is_a_type_error() -> None:
    """Features are floating point: an integer dtype is refused."""
    with pytest.raises(TypeError, match=r"dtype must be a floating-point dtype, got dtype=torch\.int64"):
        frame_to_tensors(FRAME, "price", dtype=torch.int64)


def test_integer_labels_repeated_row_labels_and_an_index_of_columns() -> None:
    """Columns 0, 1, 2 as read_csv(header=None) names them, rows both labelled 3, options as an Index."""
    frame = pd.DataFrame([[1.0, "a", 0.5], [None, "b", 1.5]], index=[3, 3])
    result = frame_to_tensors(frame, 2, categorical=frame.columns[1:2])
    assert result.feature_names == ("0", "1_a", "1_b", "1_nan")
    assert result.targets.tolist() == [0.5, 1.5]
    dropped = frame_to_tensors(frame, 2, categorical=[1], drop_rows_with_missing=True).report
    assert "rows: 2 in, 1 out (dropped 1: 3)" in str(dropped)
    with pytest.raises(ValueError, match=r"^column 1 was asked to be numeric, but it holds 'b' \(row 3\)"):
        frame_to_tensors(pd.DataFrame([[1.0, "7", 0.5], [None, "b", 1.5]], index=[3, 3]), 2, numeric=[1])


# The report's text, and the messages' full text ------------------------------------------------


def test_the_report_says_what_was_done_to_each_column() -> None:
    """One line per input column: its role, its missing values (and those that went with dropped rows), its fill,
    its one-hot columns, or why it was dropped; a column with nothing to say has nothing after its role."""
    frame = pd.DataFrame(
        {
            "n0": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "r": [1.0, 1.0, 1.0, 1.0, 1.0, None],
            "n1": [None, 2.0, 4.0, 6.0, 8.0, None],
            "c0": pd.Series(["x", "y", "x", "y", "x", "y"], dtype=object),
            "c1": pd.Series(["x", None, "y", "x", "x", "x"], dtype=object),
            "g": [1.0, None, 3.0, 4.0, 5.0, 6.0],
            "h": [None, None, None, 1.0, 2.0, 3.0],
            "y": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    report = frame_to_tensors(
        frame, "y", drop_columns=["g"], drop_columns_over_missing=0.4, drop_rows_with_missing=["r"]
    ).report
    assert str(report) == (
        "rows: 6 in, 5 out (dropped 1: 5)\n"
        "features: 9, targets: 1\n"
        "  n0: numeric\n"
        "  r: numeric, 1 missing, all in dropped rows\n"
        "  n1: numeric, 1 missing (1 more in dropped rows), filled with the mean 5.0\n"  # mean of 2, 4, 6, 8
        "  c0: one-hot, into c0_x, c0_y, c0_nan\n"
        "  c1: one-hot, 1 missing, into c1_x, c1_y, c1_nan\n"
        "  g: dropped, asked (drop_columns)\n"
        "  h: dropped, 3 of 6 missing, over drop_columns_over_missing=0.4\n"
        "  y: target"
    )
    assert [c.missing for c in report.columns] == frame.isna().sum().tolist() == [0, 1, 2, 0, 1, 1, 3, 0]
    assert report.columns[-1].outputs == ("y",)


def test_a_one_hot_column_with_no_values_reports_no_columns() -> None:
    """All missing and dummy_na=False: no feature columns, and the report says so."""
    frame = pd.DataFrame({"e": pd.Series([None, None], dtype=object), "y": [1.0, 2.0]})
    result = frame_to_tensors(frame, "y", dummy_na=False)
    assert result.features.shape == (2, 0)
    assert str(result.report).splitlines()[2] == "  e: one-hot, 2 missing, into no columns (no values)"


@pytest.mark.parametrize("dropped", [10, 11])
def test_the_report_lists_at_most_ten_dropped_rows_then_an_ellipsis(dropped: int) -> None:
    """Ten dropped row labels are all shown; from eleven, the first ten and ', ...'."""
    frame = pd.DataFrame(
        {"a": [None] * dropped + [1.0], "y": [float(i) for i in range(dropped + 1)]}, index=range(100, 101 + dropped)
    )
    report = frame_to_tensors(frame, "y", drop_rows_with_missing=True).report
    shown = ", ".join(str(label) for label in range(100, 110)) + (", ..." if dropped > 10 else "")
    assert str(report) == (
        f"rows: {dropped + 1} in, 1 out (dropped {dropped}: {shown})\n"
        "features: 1, targets: 1\n"
        f"  a: numeric, {dropped} missing, all in dropped rows\n"
        "  y: target"
    )


def texts(*values: str | None, index: list[int] | None = None) -> pd.Series:
    """A text column as an object column (so its dtype prints as ``object`` on any pandas)."""
    return pd.Series(values, dtype=object, index=index)


def frame_with(column: pd.Series) -> pd.DataFrame:
    """A frame of the text column ``c`` and a target ``price`` (0, 1, 2, ...), on the column's index."""
    return pd.DataFrame({"c": column, "price": pd.Series(np.arange(len(column), dtype=float), index=column.index)})


NOT_A_NUMBER = "which is not a number"
MARKER_HINT = (
    "if '?' marks a missing value, read the CSV with na_values=['?'], or replace it: frame.replace('?', float('nan'))"
)


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (
            FRAME,
            {"target": "prise"},
            "target: no column 'prise' (the columns are 'rooms', 'alley', 'price'); did you mean 'price'?",
        ),
        (FRAME, {"target": "zzz"}, "target: no column 'zzz' (the columns are 'rooms', 'alley', 'price')"),
        (
            FRAME.rename(columns={"alley": "X"}),
            {"target": "prise"},
            "target: no column 'prise' (the columns are 'rooms', 'X', 'price'); did you mean 'price'?",
        ),
        (
            pd.DataFrame({"X;Y": [1.0]}),
            {"target": "X"},
            "target: no column 'X' (the columns are 'X;Y'); the header 'X;Y' looks like several names: "
            "was the file read with sep=';'?",
        ),
        (FRAME, {"target": []}, "target: name at least one target column"),
        (
            FRAME,
            {"drop_rows_with_missing": ["rom"]},
            "drop_rows_with_missing: no column 'rom' (the columns are 'rooms', 'alley', 'price'); "
            "did you mean 'rooms'?",
        ),
        (
            FRAME,
            {"drop_columns": ["rooms"], "drop_rows_with_missing": ["rooms"]},
            "drop_rows_with_missing: column 'rooms' is dropped, so it cannot decide rows",
        ),
        (
            FRAME.assign(when=np.array([1, 2], dtype="timedelta64[ns]")),
            {},
            "column 'when' has dtype timedelta64[ns]: convert it to numbers first, or name it categorical",
        ),
        (
            FRAME.assign(rooms=[1 + 1j, 2 + 0j]),
            {},
            "column 'rooms' has complex dtype complex128, which has no one real value per row",
        ),
        (
            FRAME.assign(price=[1.0, None]),
            {},
            "target column 'price' has 1 missing values: drop those rows with drop_rows_with_missing=['price']",
        ),
        (
            FRAME.assign(price=[1.0, None]).set_axis([5, 6]),
            {},
            "target column 'price' has 1 missing values: drop those rows with drop_rows_with_missing=['price'] (the "
            "frame's index is not 0, 1, 2, ...: if it came from pandas.read_csv, a row may have had one field too "
            "many, which makes pandas take the first column as the index and shift the names; "
            "dlref.data.preprocessing.read_csv names that line)",
        ),
        # A target half numbers or more: what to do with the markers; less: encode class labels.
        (
            pd.DataFrame({"a": [1.0, 2.0], "price": texts("1", "?")}),
            {},
            f"target column 'price' holds '?' (row 1), {NOT_A_NUMBER}: {MARKER_HINT}",
        ),
        (
            pd.DataFrame({"a": [1.0, 2.0, 3.0], "price": texts("1", "a", "b")}),
            {},
            f"target column 'price' holds 'a' (row 1), {NOT_A_NUMBER}: encode class labels first, e.g. "
            "frame['price'].astype('category').cat.codes",
        ),
        # Asked to be numeric: a hint when half the values or more are numbers, or the value is "1,200".
        (
            frame_with(texts("1", "?")),
            {"numeric": ["c"]},
            f"column 'c' was asked to be numeric, but it holds '?' (row 1), {NOT_A_NUMBER} (dtype object): "
            f"{MARKER_HINT}",
        ),
        (
            frame_with(texts("1", "a", "b")),
            {"numeric": ["c"]},
            f"column 'c' was asked to be numeric, but it holds 'a' (row 1), {NOT_A_NUMBER} (dtype object)",
        ),
        (
            frame_with(texts("1,200", "a", "b")),
            {"numeric": ["c"]},
            f"column 'c' was asked to be numeric, but it holds '1,200' (row 0), {NOT_A_NUMBER} (dtype object): "
            "numbers written with thousands separators ('1,200'): read the CSV with thousands=','",
        ),
        # Not asked: a text column of numbers, or of mostly numbers, is refused with what to do.
        (
            frame_with(texts("1", "2", index=[10, 11])),
            {},
            "column 'c' holds numbers written as text (dtype object), e.g. '1' (row 10): name it numeric=['c'] to "
            "convert them, or categorical=['c'] to one-hot encode them",
        ),
        (
            frame_with(texts("1", "2", "3", "4,000", "?", "-", "?")),
            {},
            "column 'c' looks numeric (4 of its 7 present values are numbers, 1 of them with thousands separators) "
            "but holds '4,000' (row 3), '?' (row 4), '-' (row 5), which one-hot encoding would make into a feature "
            "per distinct value: numbers written with thousands separators ('4,000'): read the CSV with "
            "thousands=','; if '?', '-' marks a missing value, read the CSV with na_values=['?', '-'], or replace "
            "it: frame.replace('?', float('nan')); to one-hot encode it as it is, name it categorical=['c']",
        ),
        (
            frame_with(texts("1", "2", "3", "4", "5", "?", "-", "x", "y")),
            {},
            "column 'c' looks numeric (5 of its 9 present values are numbers) but holds '?' (row 5), '-' (row 6), "
            "'x' (row 7), ..., which one-hot encoding would make into a feature per distinct value: if '?', '-', "
            "'x' marks a missing value, read the CSV with na_values=['?', '-', 'x'], or replace it: "
            "frame.replace('?', float('nan')); to one-hot encode it as it is, name it categorical=['c']",
        ),
        (
            frame_with(texts("a", "b", "c", None)),
            {"max_categories": 2},
            "column 'c' has 3 distinct values in 3 present values (every value is different: an identifier?); "
            "one-hot encoding it would add 3 features, over max_categories=2: leave it out with "
            "drop_columns=['c'], or raise max_categories if you mean it",
        ),
        (
            pd.DataFrame({"a": [1.0], "a.1": [2.0], "y": [0.0]}),
            {"target": "y"},
            "columns 'a' and 'a.1': pandas' read_csv renames a repeated header 'a' to 'a.1', so the file may have "
            "two 'a' columns; rename the header in the file, or leave the column out with drop_columns=['a.1'], or "
            "name it numeric=['a.1'] or categorical=['a.1'] to keep it",
        ),
        (  # a renamed column accepted (dropped) does not stop the check of the columns after it
            pd.DataFrame({"a": [1.0], "a.1": [2.0], "b": [1.0], "b.1": [2.0], "y": [0.0]}),
            {"target": "y", "drop_columns": ["a.1"]},
            "columns 'b' and 'b.1': pandas' read_csv renames a repeated header 'b' to 'b.1', so the file may have "
            "two 'b' columns; rename the header in the file, or leave the column out with drop_columns=['b.1'], or "
            "name it numeric=['b.1'] or categorical=['b.1'] to keep it",
        ),
    ],
)
def test_the_whole_message_names_the_value_and_the_way_out(
    frame: pd.DataFrame, kwargs: dict[str, object], message: str
) -> None:
    """The full text of each error: what was wrong (the column, a value and its row) and what to do about it."""
    kwargs = {"target": "price", **kwargs}
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        frame_to_tensors(frame, **kwargs)


def test_a_datetime_target_is_refused_not_converted_to_nanoseconds() -> None:
    frame = FRAME.assign(price=pd.to_datetime(["2020-01-01", "2020-01-02"]))
    message = f"column 'price' has dtype {frame['price'].dtype}: convert it to numbers or categories first"
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        frame_to_tensors(frame, "price")


@pytest.mark.parametrize("values", [("1", "a", "b"), ("inf", "a"), ("-inf", "a"), ("-INF", "a")])
def test_a_text_column_with_fewer_than_half_numbers_is_one_hot_encoded(values: tuple[str, ...]) -> None:
    """Under half the values numbers ('inf' is a word here, not a number): categories, not a refusal."""
    result = frame_to_tensors(frame_with(texts(*values)), "price")
    assert result.feature_names == (*(f"c_{v}" for v in sorted(values)), "c_nan")


def test_limits_at_their_boundaries_are_accepted() -> None:
    """max_categories=1 with one category (a missing value is no category); all missing is not over 1.0."""
    frame = pd.DataFrame({"c": texts("a", None, "a"), "h": [np.nan, np.nan, np.nan], "y": [1.0, 2.0, 3.0]})
    result = frame_to_tensors(frame, "y", max_categories=1, drop_columns_over_missing=1.0, impute="constant")
    assert result.feature_names == ("h", "c_a", "c_nan")


def test_categories_sort_as_numbers_and_mixed_types_by_type_then_text() -> None:
    """Numbers sort as numbers (9 before 10); a mix of ints and text, by type name then text (ints first)."""
    frame = pd.DataFrame({"zip": [10, 9, 10], "m": pd.Series([2, "-", 1], dtype=object), "y": [1.0, 2.0, 3.0]})
    result = frame_to_tensors(frame, "y", categorical=["zip", "m"])
    assert result.feature_names == ("zip_9", "zip_10", "zip_nan", "m_1", "m_2", "m_-", "m_nan")
    expected = [[0, 1, 0, 0, 1, 0, 0], [1, 0, 0, 0, 0, 1, 0], [0, 1, 0, 1, 0, 0, 0]]
    assert result.features.tolist() == expected


def test_without_a_device_the_tensors_stay_on_the_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """device=None keeps the tensors on the CPU, even where a GPU is there (it does not choose one:
    `resolve_device(None)` would, so torch is made to say it sees CUDA)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    result = frame_to_tensors(FRAME, "price")
    assert result.features.device == result.targets.device == torch.device("cpu")


def test_one_hot_columns_follow_their_names_for_any_mix_of_types() -> None:
    """bytes, int and str sort by type name (where pandas would put the int first): each 1 is in its named column."""
    frame = pd.DataFrame({"m": pd.Series([1, b"x", "a"], dtype=object), "y": [1.0, 2.0, 3.0]})
    result = frame_to_tensors(frame, "y", categorical=["m"])
    assert result.feature_names == ("m_b'x'", "m_1", "m_a", "m_nan")
    assert result.features.tolist() == [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0]]
