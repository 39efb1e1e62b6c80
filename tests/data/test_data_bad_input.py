"""Generated bad and good input for each public function of `dlref.data`, on every available device.

Each example is judged by ``tests/outcomes.py``: the expected result (torch's or pandas' where they
have one), or a documented error whose message names the argument at fault.
"""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dlref.data import datasets
from dlref.data.batching import Batches, ListShuffleBatches
from dlref.data.preprocessing import frame_to_tensors, read_csv
from dlref.data.synthetic import synthetic_linear
from dlref.device import DeviceError
from outcomes import judge
from profiles import scaled

fast = settings(max_examples=scaled(25))
SPECIAL = [math.nan, math.inf, -math.inf]
finite_numbers = st.floats(-10, 10, allow_subnormal=False)
numbers = st.one_of(finite_numbers, finite_numbers, finite_numbers, st.sampled_from(SPECIAL))  # 1 in 4 special
DTYPES = [torch.float32, torch.float64, torch.int64, torch.bool]


@st.composite
def tensors(draw: st.DrawFn, device: torch.device, dims=(0, 3), size=(0, 4), dtypes=DTYPES) -> torch.Tensor:
    """A tensor of 0 to 3 dimensions, perhaps empty, perhaps holding NaN or inf (floats)."""
    shape = tuple(draw(st.lists(st.integers(*size), min_size=dims[0], max_size=dims[1])))
    dtype = draw(st.sampled_from(dtypes))
    t = torch.randn(shape, generator=torch.Generator().manual_seed(draw(st.integers(0, 99))))
    if dtype.is_floating_point and t.numel() and draw(st.integers(0, 3)) == 0:
        t.view(-1)[draw(st.integers(0, t.numel() - 1))] = draw(st.sampled_from(SPECIAL))
    return (t * 3).to(dtype).to(device)


def finite(t: torch.Tensor) -> bool:
    return not t.is_floating_point() or bool(t.isfinite().all())


@fast
@given(data=st.data(), b=numbers, n=st.one_of(st.integers(-1, 6), st.just(2.5)), noise=st.one_of(numbers, st.just(0.0)))
def test_synthetic_linear(data: st.DataObject, b: float, n, noise: float, device: torch.device) -> None:
    w = data.draw(tensors(device, dims=(0, 2), dtypes=[torch.float32, torch.float64, torch.float32, torch.int64]))
    bad = []
    if not w.is_floating_point() or w.dim() != 1 or not finite(w):
        bad += ["w must", "w["]
    if not isinstance(n, int) or n < 1:
        bad.append("n=")
    if not math.isfinite(b):
        bad.append("b=")
    if not (math.isfinite(noise) and noise >= 0):
        bad.append("noise=")

    def right(result) -> bool:
        X, y = result
        assert X.shape == (n, len(w))
        assert y.shape == (n, 1)
        assert X.dtype == y.dtype == w.dtype
        assert X.device == y.device == w.device
        residual = y.squeeze(1) - (X @ w + b)  # the noise: finite, and exactly 0 without noise
        assert residual.isfinite().all()
        return noise > 0 or bool((residual.abs() <= 1e-4 * (1 + (X @ w).abs() + abs(b))).all())

    judge("synthetic_linear", lambda: synthetic_linear(w, b, n, noise), bad, None if bad else right)


@fast
@given(
    data=st.data(),
    fraction=st.one_of(st.floats(0.1, 0.9), st.floats(-0.5, 1.5), st.sampled_from(SPECIAL)),
    seed=st.integers(0, 9),
)
def test_split_and_standardise(data: st.DataObject, fraction: float, seed: int, device: torch.device) -> None:
    X = data.draw(
        tensors(device, dims=(1, 3), size=(2, 6), dtypes=[torch.float32, torch.float64, torch.float64, torch.int64])
    )
    y = torch.arange(len(X) + data.draw(st.sampled_from([0, 0, 0, 1])), device=device)
    n = len(X)
    n_test = round(n * min(max(fraction, 0), 1)) if not math.isnan(fraction) else -1
    bad = []
    if not X.is_floating_point() or X.dim() != 2:
        bad.append("X")
    if len(y) != n:
        bad.append("y")
    if not finite(X):
        bad.append("X holds")
    if not 0 < n_test < n:
        bad.append("test_fraction")

    def right(s: datasets.Split) -> bool:  # torch's own mean and std, on the same permutation
        order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).to(device)
        train, test = order[n_test:], order[:n_test]
        mean, std = X[train].mean(0), X[train].std(0, correction=0)
        std = torch.where(std == 0, torch.ones_like(std), std)
        torch.testing.assert_close(s.X_train, (X[train] - mean) / std)
        torch.testing.assert_close(s.X_test, (X[test] - mean) / std)
        assert torch.equal(s.y_test, y[test])
        return s.X_train.device == X.device and bool(s.X_train.isfinite().all())

    call = lambda: datasets.split_and_standardise(X, y, test_fraction=fraction, seed=seed)  # noqa: E731
    judge("split_and_standardise", call, bad, None if bad else right)


@settings(max_examples=scaled(12))
@given(
    loader=st.sampled_from([datasets.digits, datasets.breast_cancer, datasets.diabetes]),
    spec=st.sampled_from([None, "cpu", "cpu:0", "cpu:1", "meta", "gpu", "cuda:9", torch.device("meta"), 3]),
    fraction=st.sampled_from([0.25, 0.5, math.nan, 0.0, 1.0, math.inf, -0.1]),
)
def test_bundled_loaders(loader, spec, fraction: float) -> None:
    good_device = spec in (None, "cpu", "cpu:0")
    bad = [] if good_device else [repr(str(spec)) if not isinstance(spec, int) else repr(spec)]
    good_fraction = not math.isnan(fraction) and 0 < fraction < 1
    if good_device and not good_fraction:
        bad.append("test_fraction")

    def right(s: datasets.Split) -> bool:
        total = len(s.X_train) + len(s.X_test)
        return s.X_train.device.type == "cpu" and len(s.X_test) == round(total * fraction)

    judge(loader.__name__, lambda: loader(spec, test_fraction=fraction), bad, None if bad else right,
          errors=(ValueError, TypeError, DeviceError))  # fmt: skip


@settings(max_examples=scaled(10))
@given(name=st.sampled_from(["digits.csv.gz", "iris.csv", "no_such_file.csv", "../README", ""]))
def test_bundled_file(name: str) -> None:
    right = (lambda path: path.is_file()) if name in ("digits.csv.gz", "iris.csv") else None
    judge("bundled_file", lambda: datasets.bundled_file(name), [f"file {name}"], right, errors=(FileNotFoundError,))


@fast
@given(
    data=st.data(),
    batch_size=st.one_of(st.integers(1, 5), st.integers(-1, 5), st.sampled_from([True, 2.0, None])),
    shuffle=st.booleans(),
    drop_last=st.booleans(),
    kind=st.sampled_from([Batches, ListShuffleBatches]),
)
def test_batches(data: st.DataObject, batch_size, shuffle: bool, drop_last: bool, kind, device: torch.device) -> None:
    tensors_ = data.draw(st.lists(tensors(device, dims=(0, 2), size=(0, 5)), max_size=3))
    if tensors_ and data.draw(st.booleans()):  # half the time, one length for all: batches to check
        n = data.draw(st.integers(0, 6))
        tensors_ = [
            t.reshape(-1)[:1].expand(n, *t.shape[1:]).clone() if t.numel() else torch.zeros(n, device=device)
            for t in tensors_
        ]
    bad = []
    if not tensors_:
        bad.append("at least one tensor")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        bad.append("batch_size")
    elif any(t.dim() == 0 for t in tensors_):
        bad.append("tensor")
    elif len({len(t) for t in tensors_}) > 1:
        bad.append("differ in length")
    options = {"shuffle": shuffle, "drop_last": drop_last} if kind is Batches else {}
    n = len(tensors_[0]) if tensors_ and tensors_[0].dim() else 0

    def right(batches) -> bool:
        got = list(batches)
        assert len(got) == len(batches)
        keep = n - n % batch_size if kind is Batches and drop_last else n
        for i, t in enumerate(tensors_):
            joined = torch.cat([batch[i] for batch in got]) if got else t[:0]
            if (kind is Batches and not shuffle) or n <= 1:
                # torch's slices, in order (the same values: NaN, which the inputs may hold, included)
                torch.testing.assert_close(joined, t[:keep], rtol=0, atol=0, equal_nan=True)
            else:
                assert len(joined) == keep
                assert joined.device == t.device
        return True

    judge(kind.__name__, lambda: kind(*tensors_, batch_size=batch_size, **options), bad, None if bad else right)


@st.composite
def messy_frames(draw: st.DrawFn) -> tuple[pd.DataFrame, list[str]]:
    """A frame with a target 'y' and columns that may hold NaN, inf, markers or a renamed copy of 'y'."""
    rows = draw(st.integers(0, 5))
    data: dict[str, list] = {}
    bad: list[str] = []
    for i in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["numbers", "with nan", "with inf", "words", "numbers with a marker"]))
        values: list = [float(draw(st.integers(-5, 5))) for _ in range(rows)]
        if kind == "with nan" and rows:
            values[draw(st.integers(0, rows - 1))] = math.nan
            if all(math.isnan(v) for v in values):
                bad.append(f"x{i}")  # nothing to take the mean of
        elif kind == "with inf" and rows:
            values[draw(st.integers(0, rows - 1))] = math.inf
            bad.append(f"x{i}")
        elif kind == "words":
            values = [draw(st.sampled_from(["a", "b", "c"])) for _ in range(rows)]
        elif kind == "numbers with a marker" and rows:
            values = [str(int(v)) for v in values]
            marked = draw(st.integers(0, rows - 1))
            values[marked] = "?"
            if rows >= 2:  # then at least half the values are numbers: the column looks numeric
                bad.append(f"x{i}")
        data[f"x{i}"] = values
    data["y"] = [float(draw(st.integers(0, 9))) for _ in range(rows)]
    if draw(st.booleans()):
        data["y.1"] = list(data["y"])  # a header pandas renamed: the target's copy
        bad.append("'y.1'")
    frame = pd.DataFrame(data)
    if rows == 0:
        bad.append("no rows")
    return frame, bad


@fast
@given(case=messy_frames())
def test_frame_to_tensors(case: tuple[pd.DataFrame, list[str]], device: torch.device) -> None:
    frame, bad = case

    def right(result) -> bool:  # pandas: numbers filled with the mean, words one-hot, then get_dummies' order
        features = frame.drop(columns="y")
        words = [c for c in features if not pd.api.types.is_numeric_dtype(features[c])]
        numeric = features.drop(columns=words).astype("float64")
        expected = numeric.fillna(numeric.mean())
        if words:
            expected = expected.join(pd.get_dummies(features[words], dummy_na=True, dtype="float64"))
        assert result.feature_names == tuple(expected.columns)
        assert result.features.device.type == device.type
        return torch.equal(
            result.features.cpu(), torch.tensor(expected.to_numpy(dtype="float32")).reshape(result.features.shape)
        )

    judge("frame_to_tensors", lambda: frame_to_tensors(frame, "y", device=device), bad, None if bad else right)


@fast
@given(
    header=st.lists(st.sampled_from(["a", "b", "price", ""]), min_size=1, max_size=4),
    widths=st.lists(st.integers(1, 5), max_size=4),
)
def test_read_csv(header: list[str], widths: list[int]) -> None:
    """Rows of 1 to 5 fields under a header of 1 to 4 names, perhaps repeated or empty."""
    lines = [",".join(header)] + [",".join(str(j) for j in range(width)) for width in widths]
    text = "\n".join(lines) + "\n"
    assume(header != [""])  # a blank first line: pandas and read_csv both take the next line as the header
    bad = []
    if any(header.count(name) > 1 for name in header if name):
        bad.append("twice")
    if "" in header:
        bad.append("is empty")
    wrong_width = [i + 2 for i, width in enumerate(widths) if width != len(header)]
    if not bad and wrong_width:
        bad.append(f"line {wrong_width[0]} has")
    right = lambda frame: frame.equals(pd.read_csv(io.StringIO(text)))  # noqa: E731
    judge("read_csv", lambda: read_csv(io.StringIO(text)), bad, None if bad else right)


@pytest.mark.parametrize("spec", ["cuda:99", "meta", "cpu:1"])
def test_a_frame_on_a_device_that_is_not_there(spec: str) -> None:
    """A device this machine lacks is a DeviceError naming it, not torch's error from deep inside."""
    frame = pd.DataFrame({"x": [1.0], "y": [2.0]})
    with pytest.raises(DeviceError, match=repr(spec)):
        frame_to_tensors(frame, "y", device=spec)
