r"""From a pandas DataFrame to feature and target tensors, with a report of every change made.

`frame_to_tensors` does the steps of d2l's preprocessing section (fill missing numbers, one-hot
encode categories with missing values as a category of their own, convert to ``float32``) in one
call that works on current pandas, and returns, beside the tensors, a `PreprocessingReport`: which
columns were filled with which value, which were one-hot encoded into which columns, which were
dropped and why, and how many rows went in and came out. Rows are never dropped unless asked.

The column rules are those of `pandas.get_dummies`, so the result can be checked against it
(``tests/data/test_preprocessing.py`` does, on generated frames): numeric columns first, in the
frame's order, then each categorical column's one-hot group, in the frame's order; a group's
columns are named ``<column>_<category>``, categories in sorted order (for a ``category`` dtype,
its declared order, unused categories included), then ``<column>_nan`` when ``dummy_na``.

Before converting anything, `frame_to_tensors` refuses what a messy CSV makes of a table, naming
the column and a value with its row: a text column that looks numeric (a ``?`` marker among
numbers, numbers written ``"1,200"``), which would otherwise become one one-hot feature per
distinct value; a column that pandas renamed because its header was repeated (``price.1``), which
could carry a second copy of the target into the inputs; and a text column with more than
``max_categories`` distinct values (identifiers, free text), whose one-hot encoding would be
mostly zeros and as large as rows × values. `read_csv` checks the file's layout first: a row with
more or fewer fields than the header (with one too many in the first row, pandas silently takes the
first column as the index), a header named twice, a header left empty.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch

from dlref.device import resolve_device

__all__ = ["MAX_CATEGORIES", "ColumnReport", "FrameTensors", "PreprocessingReport", "frame_to_tensors", "read_csv"]

MAX_CATEGORIES = 100
"""The default most distinct values a text column may have to be one-hot encoded: a column past it
(identifiers, names, free text) is refused by `frame_to_tensors` before any feature is allocated."""

Impute = Literal["mean", "median", "constant"]
Role = Literal["numeric", "one-hot", "target", "dropped"]


@dataclass(frozen=True)
class ColumnReport:
    """What happened to one column of the input frame.

    Attributes:
        name: the column's label in the input frame.
        role: ``"numeric"`` (one feature column), ``"one-hot"`` (a group of 0/1 feature columns),
            ``"target"``, or ``"dropped"``.
        missing: how many values were missing in the input frame (before any row was dropped).
        outputs: the names of the feature (or target) columns made from it, in order.
        fill_value: the value that replaced missing numbers (numeric columns with missing values).
        reason: why a column was dropped, or how its missing values were filled.
    """

    name: Hashable
    role: Role
    missing: int
    outputs: tuple[str, ...] = ()
    fill_value: float | None = None
    reason: str = ""

    def __str__(self) -> str:
        return f"{self.name}: {self.role}" + (f", {self.reason}" if self.reason else "")


@dataclass(frozen=True)
class PreprocessingReport:
    """Everything `frame_to_tensors` did, column by column, and the rows in and out.

    ``str(report)`` is a summary, one line per input column in the frame's order.

    Attributes:
        rows_in: the number of rows of the input frame.
        rows_out: the number of rows of the tensors.
        dropped_rows: the index labels of the rows dropped (only with ``drop_rows_with_missing``).
        columns: one `ColumnReport` per input column, in the frame's order.
        feature_names: the name of each column of the feature tensor, in order.
        target_names: the name of each target column, in order.
    """

    rows_in: int
    rows_out: int
    dropped_rows: tuple[Hashable, ...]
    columns: tuple[ColumnReport, ...]
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]

    @property
    def imputed(self) -> dict[Hashable, float]:
        """Numeric columns that had missing values, and the value that replaced them."""
        return {c.name: c.fill_value for c in self.columns if c.fill_value is not None}

    @property
    def encoded(self) -> dict[Hashable, tuple[str, ...]]:
        """One-hot encoded columns, and the feature columns each became."""
        return {c.name: c.outputs for c in self.columns if c.role == "one-hot"}

    @property
    def dropped_columns(self) -> dict[Hashable, str]:
        """Dropped columns, and why."""
        return {c.name: c.reason for c in self.columns if c.role == "dropped"}

    def __str__(self) -> str:
        rows = f"rows: {self.rows_in} in, {self.rows_out} out"
        if self.dropped_rows:
            shown = ", ".join(map(repr, self.dropped_rows[:10])) + (", ..." if len(self.dropped_rows) > 10 else "")
            rows += f" (dropped {len(self.dropped_rows)}: {shown})"
        lines = [rows, f"features: {len(self.feature_names)}, targets: {len(self.target_names)}"]
        return "\n".join(lines + [f"  {column}" for column in self.columns])


@dataclass(frozen=True, eq=False)
class FrameTensors:
    """The result of `frame_to_tensors`.

    Attributes:
        features: shape ``(rows_out, len(feature_names))``.
        targets: shape ``(rows_out,)`` for one target column, ``(rows_out, k)`` for a list of ``k``.
        feature_names: the name of each feature column, in order.
        target_names: the name of each target column, in order.
        report: what was done, column by column.
    """

    features: torch.Tensor
    targets: torch.Tensor
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]
    report: PreprocessingReport


def _names(columns: Sequence[Hashable]) -> str:
    return ", ".join(map(repr, columns))


def _is_many(columns: object) -> bool:
    """True for a list of column labels (a list, tuple, Index or array); False for one label."""
    return isinstance(columns, (list, tuple, pd.Index, np.ndarray))


def _check_columns(frame: pd.DataFrame, option: str, columns: Hashable | Sequence[Hashable]) -> list[Hashable]:
    """Return ``columns`` as a list, each checked to be a column of ``frame``."""
    columns = list(columns) if _is_many(columns) else [columns]
    for column in columns:
        if column not in frame.columns:
            close = difflib.get_close_matches(str(column), [str(c) for c in frame.columns], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            glued = [str(c) for c in frame.columns if any(sep in str(c) for sep in ";\t|")]
            if glued:
                sep = next(sep for sep in ";\t|" if sep in glued[0])
                hint = f"; the header {glued[0]!r} looks like several names: was the file read with sep={sep!r}?"
            raise ValueError(f"{option}: no column {column!r} (the columns are {_names(frame.columns)}){hint}")
    return columns


def _plain(value: object) -> object:
    """A NumPy scalar as the Python number it holds, so it prints as ``3``, not ``np.int64(3)``."""
    return value.item() if isinstance(value, np.generic) else value


def _show(series: pd.Series, position: int) -> str:
    """Show the value at ``position`` and its row label, as Python prints them."""
    return f"{_plain(series.iloc[position])!r} (row {_plain(series.index[position])!r})"


def _first_bad(series: pd.Series, bad: pd.Series | np.ndarray) -> str:
    """Describe the first value where ``bad`` is true, with its row label."""
    return _show(series, int(np.argmax(np.asarray(bad))))


def _missing_note(before: int, after: int) -> str:
    """Say how many values are missing, and how many of them went with dropped rows."""
    if before == after:
        return f"{after} missing" if after else ""
    return (
        f"{after} missing ({before - after} more in dropped rows)"
        if after
        else f"{before} missing, all in dropped rows"
    )


# --8<-- [start:numbers]
def _as_numbers(series: pd.Series, *, asked: bool, role: str = "column") -> np.ndarray:
    """Return ``series`` as float64 with NaN for missing values; refuse what is not a number."""
    name = series.name
    if pd.api.types.is_complex_dtype(series.dtype):
        raise ValueError(f"column {name!r} has complex dtype {series.dtype}, which has no one real value per row")
    if pd.api.types.is_numeric_dtype(series.dtype):  # floats, ints, bools, and the nullable ones
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    elif asked and not pd.api.types.is_datetime64_any_dtype(series.dtype):
        # Asked to be numeric: numbers written as text ("3", "2.5") are accepted, words are not.
        converted = pd.to_numeric(series, errors="coerce")
        not_number = converted.isna() & series.notna()
        if not_number.any():
            if role == "target column" and converted.notna().sum() * 2 >= series.notna().sum():
                value = series[not_number].iloc[0]
                raise ValueError(
                    f"target column {name!r} holds {_first_bad(series, not_number)}, which is not a number: "
                    f"{_number_hint([value])}"
                )
            if role == "target column":
                raise ValueError(
                    f"target column {name!r} holds {_first_bad(series, not_number)}, which is not a number: "
                    f"encode class labels first, e.g. frame[{name!r}].astype('category').cat.codes"
                )
            value = series[not_number].iloc[0]
            mostly_numbers = converted.notna().sum() * 2 >= series.notna().sum()
            separated = isinstance(value, str) and _THOUSANDS.fullmatch(value)
            hint = f": {_number_hint([value])}" if mostly_numbers or separated else ""
            raise ValueError(
                f"column {name!r} was asked to be numeric, but it holds {_first_bad(series, not_number)}, "
                f"which is not a number (dtype {series.dtype}){hint}"
            )
        values = converted.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        raise ValueError(f"column {name!r} has dtype {series.dtype}: convert it to numbers or categories first")
    infinite = np.isinf(values)
    if infinite.any():
        raise ValueError(f"{role} {name!r} holds {_first_bad(series, infinite)}: only finite numbers are accepted")
    return values


# --8<-- [end:numbers]


# --8<-- [start:messy]
_THOUSANDS = re.compile(r"\s*[+-]?\d{1,3}(,\d{3})+(\.\d*)?\s*")  # 1,200 or -12,345,678.5


def _number_hint(values: Sequence[object]) -> str:
    """What to do about values that are not numbers: thousands separators, or markers of missing values."""
    separated = [v for v in values if isinstance(v, str) and _THOUSANDS.fullmatch(v)]
    markers = [v for v in values if v not in separated]
    hints = []
    if separated:
        hints.append(f"numbers written with thousands separators ({separated[0]!r}): read the CSV with thousands=','")
    if markers:
        hints.append(
            f"if {_names(markers[:3])} marks a missing value, read the CSV with na_values={markers[:3]!r}, "
            f"or replace it: frame.replace({markers[0]!r}, float('nan'))"
        )
    return "; ".join(hints)


def _check_looks_numeric(series: pd.Series) -> None:
    """Refuse a text column of which at least half the present values are numbers (or "1,200").

    Such a column is numbers with a few markers (``?``, ``-``, ``n/a``) or numbers written with
    separators; one-hot encoding it would make one feature per distinct number.
    """
    present = series.dropna()
    if present.empty:
        return
    text = present.astype(str)
    number = pd.to_numeric(text, errors="coerce").notna() & ~text.str.strip().str.lower().isin(["nan", "inf", "-inf"])
    separated = text.str.fullmatch(_THOUSANDS.pattern)
    if (number | separated).sum() * 2 < len(present):
        return
    name = series.name
    odd = ~number  # markers, and numbers with separators
    if not odd.any():
        raise ValueError(
            f"column {name!r} holds numbers written as text (dtype {series.dtype}), e.g. {_show(present, 0)}: "
            f"name it numeric=[{name!r}] to convert them, or categorical=[{name!r}] to one-hot encode them"
        )
    distinct = list(dict.fromkeys(present[odd].tolist()))
    shown = ", ".join(_show(present, int(np.argmax((present == v).to_numpy()))) for v in distinct[:3])
    written = f", {int(separated.sum())} of them with thousands separators" if separated.any() else ""
    raise ValueError(
        f"column {name!r} looks numeric ({int((number | separated).sum())} of its {len(present)} present values "
        f"are numbers{written}) but holds {shown}{', ...' if len(distinct) > 3 else ''}, which one-hot encoding "
        f"would make into a feature per distinct value: {_number_hint(distinct)}; to one-hot encode it as it is, "
        f"name it categorical=[{name!r}]"
    )


def _check_renamed_duplicates(frame: pd.DataFrame, targets: list[Hashable], chosen: dict[str, list[Hashable]]) -> None:
    """Refuse columns ``x`` and ``x.1``: how `pandas.read_csv` renames a header that appears twice; and
    ``Unnamed: 0``, its name for an empty header (often the index `DataFrame.to_csv` wrote).

    A renamed copy of a target is always refused unless dropped (it would be the target, as an
    input); a renamed feature is accepted when named in ``numeric``, ``categorical`` or
    ``drop_columns`` (a choice made knowingly).
    """
    labels = set(frame.columns)
    named = {c for columns in chosen.values() for c in columns}
    for column in frame.columns:
        unnamed = isinstance(column, str) and re.fullmatch(r"Unnamed: (\d+)", column)
        if unnamed and column not in named and column not in targets:
            raise ValueError(
                f"column {column!r} had no header in the file (pandas names an empty header so): if it is the index "
                f"DataFrame.to_csv wrote, read the file with index_col={unnamed.group(1)}; else leave it out with "
                f"drop_columns=[{column!r}], or name it numeric=[{column!r}] or categorical=[{column!r}] to keep it"
            )
        match = re.fullmatch(r"(.*)\.(\d+)", column) if isinstance(column, str) else None
        if not match or match.group(1) not in labels:
            continue
        base = match.group(1)
        leak = base in targets or column in targets
        if column in chosen["drop_columns"] or (not leak and column in named):
            continue
        why = (
            f"so the target {base!r} would also be an input, as {column!r}"
            if base in targets
            else f"so the target {column!r} may be a copy of the input {base!r}"
            if column in targets
            else f"so the file may have two {base!r} columns"
        )
        accept = "" if leak else f", or name it numeric=[{column!r}] or categorical=[{column!r}] to keep it"
        raise ValueError(
            f"columns {base!r} and {column!r}: pandas' read_csv renames a repeated header {base!r} to {column!r}, "
            f"{why}; rename the header in the file, or leave the column out with drop_columns=[{column!r}]{accept}"
        )


def _check_categories(series: pd.Series, max_categories: int) -> None:
    """Refuse a column to one-hot encode with more than ``max_categories`` categories, before encoding it."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        count = len(series.dtype.categories)
    else:
        count = int(series.nunique(dropna=True))
    if count <= max_categories:
        return
    rows = int(series.notna().sum())
    kind = " (every value is different: an identifier?)" if count == rows else ""
    raise ValueError(
        f"column {series.name!r} has {count} distinct values in {rows} present values{kind}; one-hot encoding it "
        f"would add {count} features, over max_categories={max_categories}: leave it out with "
        f"drop_columns=[{series.name!r}], or raise max_categories if you mean it"
    )


# --8<-- [end:messy]


# --8<-- [start:impute]
def _impute(values: np.ndarray, name: Hashable, impute: Impute, fill_value: float) -> tuple[np.ndarray, float | None]:
    """Replace the NaNs in ``values`` by the statistic of the others; return it (``None``: none missing).

    mean: $\bar{x} = \frac{1}{|O|} \\sum_{i \\in O} x_i$ over the rows $O$ where $x_i$ is present;
    median: the middle of the sorted present values (the mean of the two middle ones for an even
    count); constant: ``fill_value``.
    """
    missing = np.isnan(values)
    if not missing.any():
        return values, None
    if impute == "constant":
        fill = float(fill_value)
    elif missing.all():
        raise ValueError(
            f"column {name!r} has no values to take the {impute} of (all {len(values)} are missing): "
            f"drop it, or use impute='constant'"
        )
    else:
        present = values[~missing]
        fill = float(present.mean() if impute == "mean" else np.median(present))
    return np.where(missing, fill, values), fill


# --8<-- [end:impute]


# --8<-- [start:one_hot]
def _categories(series: pd.Series) -> list[object]:
    """The categories of ``series``: a category dtype's declared ones, else the present values sorted."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return list(series.dtype.categories)
    present = series.dropna().unique().tolist()
    try:
        return sorted(present)
    except TypeError:  # values of several types (2 and "b"): group by type name, then sort
        return sorted(present, key=lambda value: (type(value).__name__, str(value)))


def _one_hot(series: pd.Series, dummy_na: bool) -> tuple[np.ndarray, list[str]]:
    """Return the 0/1 columns $[x_i = c_k]$, one per category $c_k$ (then one for NaN), and their names."""
    categories = _categories(series)
    codes = pd.Categorical(series, categories=categories).codes  # index into categories; -1 for NaN
    names = [f"{series.name}_{category}" for category in categories]
    if dummy_na:
        codes = np.where(codes < 0, len(categories), codes)  # NaN is one more category, the last
        names.append(f"{series.name}_nan")
    columns = np.arange(len(names))
    return (codes[:, None] == columns[None, :]).astype(np.float64), names


# --8<-- [end:one_hot]


def _drop_rows(
    frame: pd.DataFrame, drop_rows_with_missing: bool | Sequence[Hashable], kept: list[Hashable]
) -> tuple[pd.DataFrame, tuple[Hashable, ...]]:
    """Drop the rows with a missing value in the chosen columns; return the frame and their labels."""
    if drop_rows_with_missing is False:
        return frame, ()
    if drop_rows_with_missing is True:
        checked = kept
    else:
        checked = _check_columns(frame, "drop_rows_with_missing", drop_rows_with_missing)
        gone = [column for column in checked if column not in kept]
        if gone:
            raise ValueError(f"drop_rows_with_missing: column {gone[0]!r} is dropped, so it cannot decide rows")
    missing = frame[checked].isna().any(axis=1)
    if missing.all():
        raise ValueError(f"drop_rows_with_missing: every row has a missing value in {_names(checked)}: no rows left")
    return frame[~missing], tuple(_plain(label) for label in frame.index[missing])


# --8<-- [start:frame_to_tensors]
def frame_to_tensors(
    frame: pd.DataFrame,
    target: Hashable | Sequence[Hashable],
    *,
    numeric: Sequence[Hashable] = (),
    categorical: Sequence[Hashable] = (),
    impute: Impute = "mean",
    fill_value: float = 0.0,
    dummy_na: bool = True,
    drop_columns: Sequence[Hashable] = (),
    drop_columns_over_missing: float | None = None,
    drop_rows_with_missing: bool | Sequence[Hashable] = False,
    max_categories: int = MAX_CATEGORIES,
    dtype: torch.dtype = torch.float32,
    target_dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> FrameTensors:
    r"""Turn a DataFrame into a feature tensor and a target tensor, and report what was done.

    Every column except the targets is a feature. A feature column is **numeric** if its dtype is
    (floats, ints, bools, and pandas' nullable ``Float64``, ``Int64``, ``boolean``) and
    **categorical** otherwise (``str``, ``object``, ``category``); ``numeric`` and ``categorical``
    override that for the columns they name. Then:

    - a numeric column becomes one feature; its missing values are replaced by the mean (or
      median) of its present values, $\bar{x}_j = \frac{1}{|O_j|}\sum_{i \in O_j} x_{ij}$, or by
      ``fill_value`` with ``impute="constant"``;
    - a categorical column with categories $c_1, \dots, c_K$ becomes the $K$ one-hot features
      $[x_i = c_k]$, named ``<column>_<category>``, plus ``<column>_nan`` for missing values when
      ``dummy_na``; with ``dummy_na=True`` each group sums to 1 in every row, with ``False`` a
      missing value is a row of zeros.

    Feature order (that of `pandas.get_dummies`): the numeric columns in the frame's order, then
    each categorical column's group in the frame's order; within a group, the categories sorted (a
    ``category`` dtype keeps its declared order and unused categories), then ``_nan``.

    Before converting, text columns are checked: one of which at least half the present values are
    numbers (a ``?`` marker among numbers, numbers written ``"1,200"``, numbers as text) is refused
    unless named in ``numeric`` or ``categorical``; one with more than ``max_categories`` distinct
    values (identifiers, free text) is refused; and columns ``x`` and ``x.1``, which is how
    `pandas.read_csv` renames a repeated header, are refused unless ``x.1`` is dropped (or, when
    neither is a target, named in ``numeric`` or ``categorical``), so that a second copy of the
    target never becomes an input; so is a column ``Unnamed: 0`` (an empty header, often the
    index that `DataFrame.to_csv` wrote), unless dropped or named.

    Columns are dropped only when named in ``drop_columns``, or when more than the fraction
    ``drop_columns_over_missing`` of their values are missing. Rows are dropped only with
    ``drop_rows_with_missing``: ``True`` drops rows missing any kept column's value, a list of
    columns drops rows missing one of those. Both are in the report. Statistics (mean, median)
    and categories are taken from the rows that are kept.

    Args:
        frame: the table, one example per row; column labels must be unique.
        target: the target column, or a list of target columns. They must be numbers without
            missing values (drop those rows with ``drop_rows_with_missing=[target]``).
        numeric: feature columns to treat as numbers (text such as ``"3"`` is converted).
        categorical: feature columns to one-hot encode, whatever their dtype.
        impute: how to fill missing numbers: ``"mean"``, ``"median"`` or ``"constant"``.
        fill_value: the value for ``impute="constant"``.
        dummy_na: give each one-hot group a ``<column>_nan`` column for missing values.
        drop_columns: feature columns to leave out.
        drop_columns_over_missing: drop feature columns whose missing fraction is above this.
        drop_rows_with_missing: ``False``, ``True``, or the columns whose missing values drop a row.
        max_categories: the most distinct values (declared categories, for a ``category`` dtype) a
            column may have to be one-hot encoded; `MAX_CATEGORIES` (100) by default.
        dtype: the floating-point dtype of the features (and of the targets by default).
        target_dtype: the dtype of the targets, for example ``torch.int64`` for class labels.
        device: where to put the tensors; torch's default device when ``None``, else a device
            this machine has (checked by `dlref.device.resolve_device`).

    Returns:
        A `FrameTensors`: ``features``, ``targets``, their column names, and a `PreprocessingReport`.

    Raises:
        ValueError: naming the column: an empty frame; duplicate column labels; a target, or a
            column named in an option, that is not in the frame; a column both numeric and
            categorical; a text column that looks numeric (naming a value that is not a number
            and its row, and the ``read_csv`` option that reads it: ``na_values``, ``thousands``);
            columns ``x`` and ``x.1`` (a header pandas renamed) or ``Unnamed: 0``; a column with
            more distinct values than ``max_categories``; a column asked to be numeric that holds a
            non-number; a column with no present value to take the mean or median of; an infinite
            value; a target with missing or non-numeric values; two output columns with one name;
            no rows left; ``max_categories`` below 1.
        TypeError: ``dtype`` is not a floating-point dtype; ``max_categories`` is not an int.
        DeviceError: ``device`` is not one this machine has (``meta``, ``cpu:1``, a missing GPU).

    Examples:
        >>> frame = pd.DataFrame({"rooms": [2.0, None, 4.0], "alley": ["Pave", None, "Grvl"], "price": [10, 12, 15]})
        >>> result = frame_to_tensors(frame, "price")
        >>> result.features
        tensor([[2., 0., 1., 0.],
                [3., 0., 0., 1.],
                [4., 1., 0., 0.]])
        >>> result.feature_names
        ('rooms', 'alley_Grvl', 'alley_Pave', 'alley_nan')
        >>> result.targets
        tensor([10., 12., 15.])
        >>> print(result.report)
        rows: 3 in, 3 out
        features: 4, targets: 1
          rooms: numeric, 1 missing, filled with the mean 3.0
          alley: one-hot, 1 missing, into alley_Grvl, alley_Pave, alley_nan
          price: target
        >>> frame_to_tensors(frame, "prices")
        Traceback (most recent call last):
          ...
        ValueError: target: no column 'prices' (the columns are 'rooms', 'alley', 'price'); did you mean 'price'?

    """
    # Check the frame and the options, naming the column at fault.
    if frame.shape[0] == 0:
        raise ValueError(f"the frame has no rows (its columns are {_names(frame.columns)})")
    repeated = [label for label, count in Counter(frame.columns).items() if count > 1]
    if repeated:
        raise ValueError(
            f"column labels must be unique, but {repeated[0]!r} appears {list(frame.columns).count(repeated[0])} times"
        )
    targets = _check_columns(frame, "target", target)
    if not targets:
        raise ValueError("target: name at least one target column")
    options = {"numeric": numeric, "categorical": categorical, "drop_columns": drop_columns}
    chosen = {option: _check_columns(frame, option, columns) for option, columns in options.items()}
    for option, columns in chosen.items():
        for column in columns:
            if column in targets:
                raise ValueError(f"{option}: column {column!r} is a target, not a feature")
    both = set(chosen["numeric"]) & set(chosen["categorical"])
    if both:
        raise ValueError(f"column {both.pop()!r} is named both numeric and categorical")
    if impute not in ("mean", "median", "constant"):
        raise ValueError(f"impute must be 'mean', 'median' or 'constant', got {impute!r}")
    if drop_columns_over_missing is not None and not 0 <= drop_columns_over_missing <= 1:
        raise ValueError(f"drop_columns_over_missing must be a fraction in [0, 1], got {drop_columns_over_missing}")
    if not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating-point dtype, got dtype={dtype}")
    if isinstance(max_categories, bool) or not isinstance(max_categories, int):
        raise TypeError(f"max_categories must be an int, got max_categories={max_categories!r}")
    if max_categories < 1:
        raise ValueError(f"max_categories must be at least 1, got max_categories={max_categories}")
    _check_renamed_duplicates(frame, targets, chosen)
    device = None if device is None else resolve_device(device)

    # Which columns stay, and which rows.
    missing = frame.isna().sum()
    reports: dict[Hashable, ColumnReport] = {}
    for column in frame.columns:
        fraction = missing[column] / len(frame)
        if column in chosen["drop_columns"]:
            reason = "asked (drop_columns)"
        elif column not in targets and drop_columns_over_missing is not None and fraction > drop_columns_over_missing:
            reason = (
                f"{missing[column]} of {len(frame)} missing, over drop_columns_over_missing={drop_columns_over_missing}"
            )
        else:
            continue
        reports[column] = ColumnReport(column, "dropped", int(missing[column]), reason=reason)
    kept = [column for column in frame.columns if column not in reports]
    kept_frame, dropped_rows = _drop_rows(frame, drop_rows_with_missing, kept)

    # Features: refuse what a messy CSV makes of numbers, names and identifiers before converting.
    blocks: list[np.ndarray] = []
    names: list[str] = []
    features = [column for column in kept if column not in targets]
    is_numeric = {
        column: column in chosen["numeric"]
        or (column not in chosen["categorical"] and pd.api.types.is_numeric_dtype(frame[column].dtype))
        for column in features
    }
    for column in features:
        kind = frame[column].dtype
        if column not in chosen["categorical"] and (
            pd.api.types.is_datetime64_any_dtype(kind) or pd.api.types.is_timedelta64_dtype(kind)
        ):
            raise ValueError(f"column {column!r} has dtype {kind}: convert it to numbers first, or name it categorical")
        if not is_numeric[column]:
            if column not in chosen["categorical"] and not isinstance(kind, pd.CategoricalDtype):
                _check_looks_numeric(kept_frame[column])
            _check_categories(kept_frame[column], max_categories)

    # Targets: numbers, none missing.
    target_values = []
    for column in targets:
        values = _as_numbers(kept_frame[column], asked=True, role="target column")
        if np.isnan(values).any():
            count = int(np.isnan(values).sum())
            shifted = not frame.index.equals(pd.RangeIndex(len(frame)))
            hint = (
                " (the frame's index is not 0, 1, 2, ...: if it came from pandas.read_csv, a row may have had one "
                "field too many, which makes pandas take the first column as the index and shift the names; "
                "dlref.data.preprocessing.read_csv names that line)"
                if shifted
                else ""
            )
            raise ValueError(
                f"target column {column!r} has {count} missing values: drop those rows with "
                f"drop_rows_with_missing=[{column!r}]{hint}"
            )
        target_values.append(values)
        reports[column] = ColumnReport(column, "target", int(missing[column]), outputs=(str(column),))

    # Features: numeric columns first, then one-hot groups, each in the frame's order.
    for column in (c for c in features if is_numeric[c]):
        values = _as_numbers(kept_frame[column], asked=column in chosen["numeric"])
        note = _missing_note(int(missing[column]), int(np.isnan(values).sum()))
        values, fill = _impute(values, column, impute, fill_value)
        how = note + ("" if fill is None else f", filled with the {impute} {fill!r}")
        reports[column] = ColumnReport(column, "numeric", int(missing[column]), (str(column),), fill, how)
        blocks.append(values[:, None])
        names.append(str(column))
    for column in (c for c in features if not is_numeric[c]):
        values, group = _one_hot(kept_frame[column], dummy_na)
        note = _missing_note(int(missing[column]), int(kept_frame[column].isna().sum()))
        how = (f"{note}, " if note else "") + "into " + (", ".join(group) or "no columns (no values)")
        reports[column] = ColumnReport(column, "one-hot", int(missing[column]), tuple(group), reason=how)
        blocks.append(values)
        names.extend(group)
    clash = [name for name, count in Counter(names + [str(t) for t in targets]).items() if count > 1]
    if clash:
        raise ValueError(f"two output columns would both be named {clash[0]!r}: rename a column first")

    rows = len(kept_frame)
    matrix = np.concatenate(blocks, axis=1) if blocks else np.zeros((rows, 0))
    target_matrix = np.stack(target_values, axis=1)
    if not _is_many(target):
        target_matrix = target_matrix[:, 0]
    target_dtype = dtype if target_dtype is None else target_dtype
    if not target_dtype.is_floating_point and not np.all(target_matrix == np.round(target_matrix)):
        raise ValueError(f"target_dtype={target_dtype} needs whole numbers, but a target holds a fraction")
    report = PreprocessingReport(
        rows_in=len(frame),
        rows_out=rows,
        dropped_rows=dropped_rows,
        columns=tuple(reports[column] for column in frame.columns),
        feature_names=tuple(names),
        target_names=tuple(str(t) for t in targets),
    )
    return FrameTensors(
        features=torch.tensor(matrix, dtype=dtype, device=device),
        targets=torch.tensor(target_matrix, dtype=target_dtype, device=device),
        feature_names=report.feature_names,
        target_names=report.target_names,
        report=report,
    )


# --8<-- [end:frame_to_tensors]


_READ_OPTIONS = frozenset(
    {"na_values", "keep_default_na", "thousands", "decimal", "dtype", "true_values", "false_values", "index_col"}
)


# --8<-- [start:read_csv]
def read_csv(
    source: str | Path | io.TextIOBase, *, sep: str = ",", encoding: str = "utf-8-sig", **options: Any
) -> pd.DataFrame:
    r"""Read a CSV file with `pandas.read_csv`, after checking that every row fits the header.

    pandas reads a malformed file without a word in two cases this refuses, naming the line: when
    the first data row has one field more than the header, pandas takes the first column as the
    index and shifts every name by one (the error, if any, comes later and blames something else);
    when a row has fewer fields, pandas fills the rest with missing values. A header named twice
    (pandas renames the second ``price`` to ``price.1``) and an empty header (pandas names it
    ``Unnamed: 0``; `DataFrame.to_csv` writes the index that way) are refused too.

    The check reads the text with Python's `csv` module, with the same separator and quoting (a
    quoted ``"1,200"`` is one field), skipping blank lines as pandas does.

    Args:
        source: a path, or an open text file (``io.StringIO``).
        sep: the field separator, one character.
        encoding: the file's encoding (``utf-8-sig`` reads UTF-8 with or without a byte-order mark).
        **options: passed to `pandas.read_csv`; only those that keep the layout the check
            reads: ``na_values``, ``keep_default_na``, ``thousands``, ``decimal``, ``dtype``,
            ``true_values``, ``false_values`` and ``index_col`` (a column's position or name).

    Returns:
        The frame `pandas.read_csv` returns.

    Raises:
        ValueError: naming the line: a row with more or fewer fields than the header (up to five
            such lines, and how many there are); a header that appears twice or is empty; a file
            with no header.
        TypeError: an option that is not in the list above (use `pandas.read_csv` itself for it),
            or ``sep`` that is not one character.

    Examples:
        >>> text = "rooms,alley,price\n2,Pave,10\nNA,NA,12\n4,Grvl,15\n"
        >>> read_csv(io.StringIO(text))
           rooms alley  price
        0    2.0  Pave     10
        1    NaN   NaN     12
        2    4.0  Grvl     15
        >>> read_csv(io.StringIO("rooms,alley,price\n2,Pave,10\n3,12\n"))
        Traceback (most recent call last):
          ...
        ValueError: read_csv: line 3 has 2 fields, but the header has 3 (a value left out, or a line cut short?)
    """
    unknown = sorted(set(options) - _READ_OPTIONS)
    if unknown:
        raise TypeError(
            f"read_csv: option {unknown[0]}= would change the layout this function checks; it accepts "
            f"{sorted(_READ_OPTIONS)}: for others, call pandas.read_csv and check the frame yourself"
        )
    if not isinstance(sep, str) or len(sep) != 1:
        raise TypeError(f"read_csv: sep must be one character, got sep={sep!r}")
    text = Path(source).read_text(encoding=encoding) if isinstance(source, (str, Path)) else source.read()
    _check_layout(text, sep, options.get("index_col"))
    return pd.read_csv(io.StringIO(text), sep=sep, **options)


def _check_layout(text: str, sep: str, index_col: object) -> None:
    """Every row has the header's number of fields; no header is repeated or empty."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    header: list[str] | None = None
    bad: list[tuple[int, int]] = []
    for fields in reader:
        # an empty line, or one of spaces and tabs only: pandas skips it (a line '""' is a row of one
        # empty field, read as a row of NaN: checked like any other)
        if not fields or (len(fields) == 1 and fields[0].isspace()):
            continue
        if header is None:
            header, header_line = fields, reader.line_num
            continue
        if len(fields) != len(header):
            bad.append((reader.line_num, len(fields)))
    if header is None:
        raise ValueError("read_csv: the file has no header line (it is empty, or only blank lines)")
    names = [name.strip() for name in header]
    for position, name in enumerate(names):
        if names.count(name) > 1 and name:
            first, second = [i + 1 for i, n in enumerate(names) if n == name][:2]
            raise ValueError(
                f"read_csv: the header (line {header_line}) names {name!r} twice, fields {first} and {second}: "
                f"pandas would rename the second to '{name}.1', and a second copy of a target could become an "
                "input; rename one in the file"
            )
        if not name and index_col not in (position, name):
            raise ValueError(
                f"read_csv: field {position + 1} of the header (line {header_line}) is empty, which pandas would "
                f"name 'Unnamed: {position}'; if it is the index DataFrame.to_csv wrote, pass index_col={position}"
            )
    if bad:
        line, count = bad[0]
        more = f" ({len(bad)} such lines: {', '.join(str(n) for n, _ in bad[:5])}{', ...' if len(bad) > 5 else ''})"
        cause = (
            f"an extra separator, or a value with a {sep!r} in it that is not quoted?"
            if count > len(header)
            else "a value left out, or a line cut short?"
        )
        shift = (
            ": with one field too many in the first row, pandas would take the first column as the index and shift "
            "the names"
            if count == len(header) + 1 and line == header_line + 1
            else ""
        )
        raise ValueError(
            f"read_csv: line {line} has {count} fields, but the header has {len(header)} ({cause}){shift}"
            f"{more if len(bad) > 1 else ''}"
        )


# --8<-- [end:read_csv]
