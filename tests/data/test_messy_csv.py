"""Malformed CSV files, written to ``tmp_path``, through `read_csv` and `frame_to_tensors`.

Each file is one mistake that real data has. Read with plain `pandas.read_csv` and then converted,
or read with dlref's `read_csv`, it must give either the right tensors or an error that names the
column (and a value and its row) or the line, and says what to do; never tensors built from a
misread table. Where pandas itself already raises a clear error, that is checked too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import torch

from dlref.data.preprocessing import frame_to_tensors, read_csv


def rows(n: int, line) -> str:
    return "".join(line(i) for i in range(n))


# (name, file text, error of frame_to_tensors(pd.read_csv(file)), error of read_csv(file) then frame_to_tensors)
# An error is a regex the message must match; None means: accepted.
MESSY = [
    (
        "question-mark marker among numbers",
        "rooms,price\n2,10\n?,12\n4,15\n",
        r"column 'rooms' looks numeric \(2 of its 3 present values are numbers\) but holds '\?' \(row 1\).*"
        r"na_values=\['\?'\].*categorical=\['rooms'\]",
        "same",
    ),
    (
        "dash marker among numbers",
        "rooms,price\n2,10\n-,12\n4,15\n5,16\n",
        r"column 'rooms' .* holds '-' \(row 1\).*na_values=\['-'\]",
        "same",
    ),
    (
        "word marker among numbers",
        "rooms,price\n2,10\nunknown,12\n4,15\n",
        r"column 'rooms' .* holds 'unknown' \(row 1\).*na_values=\['unknown'\]",
        "same",
    ),
    (
        "several markers",
        "rooms,price\n2,10\n?,12\n4,15\n-,9\n3,9\n",
        r"holds '\?' \(row 1\), '-' \(row 3\).*na_values=\['\?', '-'\]",
        "same",
    ),
    (
        "more than three markers: the first three are named",
        "rooms,price\n2,10\n?,12\n4,15\n-,9\n3,9\nunknown,8\n5,7\nmissing,6\n6,5\n7,4\n",
        r"holds '\?' \(row 1\), '-' \(row 3\), 'unknown' \(row 5\), \.\.\., .*: if '\?', '-', 'unknown' marks a "
        r"missing value, read the CSV with na_values=\['\?', '-', 'unknown'\], or replace it: "
        r"frame\.replace\('\?', float\('nan'\)\); to one-hot",
        "same",
    ),
    (
        "quoted thousands separators and a marker: both ways out",
        'area,price\n"1,200",10\n?,12\n"2,500",15\n950,9\n',
        r"numbers written with thousands separators \('1,200'\): read the CSV with thousands=','; "
        r"if '\?' marks a missing value, read the CSV with na_values=\['\?'\]",
        "same",
    ),
    (
        "quoted thousands separators",
        'area,price\n"1,200",10\n950,12\n"2,500",15\n',
        r"column 'area' looks numeric \(3 of its 3 present values are numbers, 2 of them with thousands "
        r"separators\) but holds '1,200' \(row 0\), '2,500' \(row 2\).*thousands=','",
        "same",
    ),
    (
        "unquoted thousands separator in the first row",
        "area,price\n1,200,10\n950,12\n",
        r"target column 'price' has 1 missing values.*index is not 0, 1, 2.*one field too many",
        r"^read_csv: line 2 has 3 fields, but the header has 2 \(an extra separator, or a value with a ',' in it "
        r"that is not quoted\?\): with one field too many in the first row, pandas would take the first column as "
        r"the index and shift the names$",
    ),
    (
        "one field too many in the first row",
        "a,b,price\n1,x,10,5\n2,y,20\n3,z,30\n",
        r"target column 'price' has 2 missing values.*one field too many",
        r"read_csv: line 2 has 4 fields, but the header has 3",
    ),
    (
        "one field too many in a later row",
        "a,b,price\n1,x,10\n2,y,20,5\n3,z,30\n",
        "pandas: Error tokenizing data. C error: Expected 3 fields in line 3, saw 4",
        r"^read_csv: line 3 has 4 fields, but the header has 3 \(an extra separator, or a value with a ',' in it "
        r"that is not quoted\?\)$",  # no word of the first row's shift
    ),
    (
        "a field too many after a blank line",
        "a,price\n1,2\n\n3,4,5\n",
        "pandas: Error tokenizing data. C error: Expected 2 fields in line 4, saw 3",
        r"^read_csv: line 4 has 3 fields, but the header has 2 \(an extra separator",
    ),
    (
        "a line of one empty quoted field",
        'rooms,price\n2,10\n""\n3,12\n',
        r"target column 'price' has 1 missing values",
        r"^read_csv: line 3 has 1 fields, but the header has 2 \(a value left out, or a line cut short\?\)$",
    ),
    (
        "a field too few",
        "a,b,price\n1,x,10\n2,y\n3,z,30\n",
        r"target column 'price' has 1 missing values: drop those rows",
        r"^read_csv: line 3 has 2 fields, but the header has 3 \(a value left out, or a line cut short\?\)$",
    ),
    (
        "every row a field too many",
        "a,price\n" + rows(8, lambda i: f"{100 + i},{i},{2 * i}\n"),
        "misread",  # pandas takes the first column as the index, silently: see test_what_plain_pandas_misreads
        r"read_csv: line 2 has 3 fields, but the header has 2 .* \(8 such lines: 2, 3, 4, 5, 6, \.\.\.\)",
    ),
    (
        "the target's header repeated",
        "rooms,price,price\n2,10,10\n3,12,12\n",
        r"columns 'price' and 'price\.1': pandas' read_csv renames a repeated header 'price' to 'price\.1', "
        r"so the target 'price' would also be an input, as 'price\.1'.*drop_columns=\['price\.1'\]$",
        r"^read_csv: the header \(line 1\) names 'price' twice, fields 2 and 3: pandas would rename the second to "
        r"'price\.1', and a second copy of a target could become an input; rename one in the file$",
    ),
    (
        "a feature's header repeated",
        "rooms,rooms,price\n2,3,10\n3,4,12\n",
        r"columns 'rooms' and 'rooms\.1'.*so the file may have two 'rooms' columns.*numeric=\['rooms\.1'\]",
        r"names 'rooms' twice, fields 1 and 2",
    ),
    (
        "a unique identifier column",
        "id,rooms,price\n" + rows(150, lambda i: f"u{i:04},{i % 5},{i}\n"),
        r"column 'id' has 150 distinct values in 150 present values \(every value is different: an identifier\?\); "
        r"one-hot encoding it would add 150 features, over max_categories=100: .*drop_columns=\['id'\]",
        "same",
    ),
    (
        "free text with many values",
        "note,price\n" + rows(300, lambda i: f"note {i % 120},{i}\n"),
        r"column 'note' has 120 distinct values in 300 present values; .* over max_categories=100",
        "same",
    ),
    (
        "the index written by DataFrame.to_csv",
        ",rooms,price\n0,2,10\n1,3,12\n",
        r"column 'Unnamed: 0' had no header in the file .* read the file with index_col=0; else .*"
        r"drop_columns=\['Unnamed: 0'\]",
        r"read_csv: field 1 of the header \(line 1\) is empty, which pandas would name 'Unnamed: 0'.*index_col=0",
    ),
    (
        "an empty file",
        "",
        "pandas: No columns to parse from file",
        r"^read_csv: the file has no header line \(it is empty, or only blank lines\)$",
    ),
    (
        "a header and no rows",
        "rooms,price\n",
        r"the frame has no rows \(its columns are 'rooms', 'price'\)",
        "same",
    ),
    (
        "a marker in the target",
        "rooms,price\n2,10\n3,?\n4,15\n",
        r"target column 'price' holds '\?' \(row 1\), which is not a number: if '\?' marks a missing value.*"
        r"na_values=\['\?'\]",
        "same",
    ),
    (
        "an infinite number",
        "rooms,price\n2,10\ninf,12\n4,15\n",
        r"column 'rooms' holds inf \(row 1\): only finite numbers are accepted",
        "same",
    ),
    (
        "another separator",
        "rooms;price\n2;10\n3;12\n",
        r"target: no column 'price' \(the columns are 'rooms;price'\); the header 'rooms;price' looks like several "
        r"names: was the file read with sep=';'\?",
        "same",
    ),
    (
        "a column with no values",
        "rooms,garage,price\n2,,10\n3,,12\n",
        r"column 'garage' has no values to take the mean of \(all 2 are missing\)",
        "same",
    ),
]

# Files that look odd but are right: they must give the table that is in them.
TIDY = [
    (
        "quoted commas in text",
        'name,rooms,price\n"Smith, J",2,10\n"Lee, K",3,12\n',
        ["rooms", "name_Lee, K", "name_Smith, J", "name_nan"],
    ),
    ("blank lines", "rooms,price\n\n2,10\n\n3,12\n", ["rooms"]),
    ("a line of spaces and one of a tab", "rooms,price\n2,10\n  \n\t\n3,12\n", ["rooms"]),
    (
        "a category with a number among words",
        "kind,price\nA,1\nB,2\n1,3\nC,4\n",
        ["kind_1", "kind_A", "kind_B", "kind_C", "kind_nan"],
    ),
]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    return path


def outcome(read, path: Path) -> str | None:
    """None when accepted, else the error's message (pandas' own errors prefixed with 'pandas: ')."""
    try:
        frame = read(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        return f"pandas: {error}"
    except ValueError as error:  # dlref's read_csv
        return str(error)
    try:
        frame_to_tensors(frame, "price")
    except ValueError as error:
        return str(error)
    return None


@pytest.mark.parametrize(("name", "text", "plain", "checked"), MESSY, ids=[case[0] for case in MESSY])
def test_a_messy_file_is_named_not_misread(name: str, text: str, plain, checked, tmp_path: Path) -> None:
    path = write(tmp_path, text)
    for read, expected in [(pd.read_csv, plain), (read_csv, plain if checked == "same" else checked)]:
        if expected == "misread":
            continue
        message = outcome(read, path)
        if expected is None:
            assert message is None, (read, message)
        else:
            assert message is not None, f"{read.__module__}.read_csv accepted {name!r}"
            assert re.search(expected, message), (read.__module__, message)


def test_what_plain_pandas_misreads(tmp_path: Path) -> None:
    """Every row a field too many: pandas shifts the names by one without a word (the first column becomes
    the index), and the frame it returns has no sign of it that frame_to_tensors could see. dlref's
    read_csv names the lines (above)."""
    text = next(case[1] for case in MESSY if case[0] == "every row a field too many")
    frame = pd.read_csv(write(tmp_path, text))
    assert frame.index.tolist() == list(range(100, 108))
    assert frame["price"].tolist() == [2 * i for i in range(8)]  # the third field, named by the second name


@pytest.mark.parametrize(("name", "text", "features"), TIDY, ids=[case[0] for case in TIDY])
def test_a_tidy_file_gives_its_table(name: str, text: str, features: list[str], tmp_path: Path) -> None:
    path = write(tmp_path, text)
    expected = frame_to_tensors(pd.read_csv(path), "price")
    result = frame_to_tensors(read_csv(path), "price")
    assert list(result.feature_names) == features
    assert torch.equal(result.features, expected.features)
    assert torch.equal(result.targets, expected.targets)


def test_the_ways_out_the_messages_name_work(tmp_path: Path) -> None:
    """Each error's advice, followed, reads the file as meant."""
    path = write(tmp_path, "rooms,price\n2,10\n?,12\n4,15\n")
    result = frame_to_tensors(read_csv(path, na_values=["?"]), "price")
    assert result.features.flatten().tolist() == [2.0, 3.0, 4.0]  # the '?' is missing, filled with the mean
    assert result.report.imputed == {"rooms": 3.0}
    one_hot = frame_to_tensors(pd.read_csv(path), "price", categorical=["rooms"])
    assert one_hot.feature_names == ("rooms_2", "rooms_4", "rooms_?", "rooms_nan")

    path = write(tmp_path, 'area,price\n"1,200",10\n950,12\n')
    assert frame_to_tensors(read_csv(path, thousands=","), "price").features.flatten().tolist() == [1200.0, 950.0]

    path = write(tmp_path, "rooms,price,price\n2,10,10\n3,12,12\n")
    result = frame_to_tensors(pd.read_csv(path), "price", drop_columns=["price.1"])
    assert result.feature_names == ("rooms",)

    path = write(tmp_path, "id,rooms,price\n" + rows(150, lambda i: f"u{i:04},{i % 5},{i}\n"))
    assert frame_to_tensors(pd.read_csv(path), "price", drop_columns=["id"]).features.shape == (150, 1)
    assert frame_to_tensors(pd.read_csv(path), "price", max_categories=150).features.shape == (150, 152)

    path = write(tmp_path, ",rooms,price\n0,2,10\n1,3,12\n")
    assert list(read_csv(path, index_col=0).columns) == ["rooms", "price"]
    assert frame_to_tensors(pd.read_csv(path), "price", drop_columns=["Unnamed: 0"]).feature_names == ("rooms",)

    path = write(tmp_path, "rooms;price\n2;10\n3;12\n")
    assert frame_to_tensors(read_csv(path, sep=";"), "price").features.flatten().tolist() == [2.0, 3.0]


def test_a_renamed_target_never_becomes_an_input(tmp_path: Path) -> None:
    """Naming the copy numeric does not let it in: a target's copy must be dropped, a feature's may be kept."""
    path = write(tmp_path, "rooms,price,price\n2,10,10\n3,12,12\n")
    with pytest.raises(ValueError, match=r"'price' and 'price\.1'"):
        frame_to_tensors(pd.read_csv(path), "price", numeric=["price.1"])
    with pytest.raises(ValueError, match=r"so the target 'price\.1' may be a copy of the input 'price'"):
        frame_to_tensors(pd.read_csv(path), "price.1")
    path = write(tmp_path, "rooms,rooms,price\n2,3,10\n3,4,12\n")
    kept = frame_to_tensors(pd.read_csv(path), "price", numeric=["rooms.1"])
    assert kept.feature_names == ("rooms", "rooms.1")


def test_the_limit_is_checked_before_any_large_allocation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """100 000 unique identifiers would be a 100 000 x 100 000 one-hot matrix (80 GB): refused before encoding."""
    from dlref.data import preprocessing

    monkeypatch.setattr(preprocessing, "_one_hot", lambda *args: pytest.fail("encoding started"))
    frame = pd.DataFrame({"id": [f"u{i}" for i in range(100_000)], "price": range(100_000)})
    with pytest.raises(ValueError, match="column 'id' has 100000 distinct values in 100000 present values"):
        frame_to_tensors(frame, "price")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"max_categories": 0}, ValueError, "max_categories must be at least 1, got max_categories=0"),
        ({"max_categories": 2.5}, TypeError, r"max_categories must be an int, got max_categories=2\.5"),
    ],
)
def test_max_categories_is_checked(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        frame_to_tensors(pd.DataFrame({"a": ["x"], "price": [1.0]}), "price", **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"skiprows": 1}, TypeError, "read_csv: option skiprows= would change the layout this function checks"),
        ({"header": None}, TypeError, "option header="),
        ({"sep": ";;"}, TypeError, "sep must be one character, got sep=';;'"),
    ],
)
def test_read_csv_options_that_change_the_layout_are_refused(kwargs: dict, error: type, match: str, tmp_path) -> None:
    with pytest.raises(error, match=match):
        read_csv(write(tmp_path, "a,b\n1,2\n"), **kwargs)


@pytest.mark.parametrize(
    ("bad", "ending"),
    [
        (1, r"cut short\?\)$"),
        (2, r"cut short\?\) \(2 such lines: 3, 4\)$"),
        (5, r"cut short\?\) \(5 such lines: 3, 4, 5, 6, 7\)$"),
        (6, r"cut short\?\) \(6 such lines: 3, 4, 5, 6, 7, \.\.\.\)$"),
    ],
    ids=["one", "two", "five", "six"],
)
def test_read_csv_names_the_first_five_bad_lines_and_counts_them(bad: int, ending: str, tmp_path: Path) -> None:
    """The first bad line is described; with more than one, how many and which (five, then '...')."""
    path = write(tmp_path, "a,b,price\n1,x,10\n" + rows(bad, lambda i: f"{i},y\n") + "9,z,90\n")
    with pytest.raises(ValueError, match=r"^read_csv: line 3 has 2 fields, but the header has 3 \(.*" + ending):
        read_csv(path)


def test_read_csv_reads_the_encoding_it_is_given(tmp_path: Path) -> None:
    path = tmp_path / "latin-1.csv"
    path.write_bytes("name,price\ncafé,10\n".encode("latin-1"))  # é is one byte, 0xe9, which is no UTF-8
    assert read_csv(path, encoding="latin-1").to_dict("list") == {"name": ["café"], "price": [10]}


def test_read_csv_counts_fields_with_its_separator(tmp_path: Path) -> None:
    """With sep=';' a ',' in a value is no separator, and a ';' too many is found."""
    path = write(tmp_path, "name;price\nSmith, J;10\nLee;12\n")
    assert read_csv(path, sep=";").to_dict("list") == {"name": ["Smith, J", "Lee"], "price": [10, 12]}
    path = write(tmp_path, "name;price\nSmith, J;10\nLee;12;5\n")
    with pytest.raises(
        ValueError, match=r"^read_csv: line 3 has 3 fields, but the header has 2 \(an extra separator, "
    ):
        read_csv(path, sep=";")


def test_read_csv_reads_a_byte_order_mark_and_an_open_file(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffrooms,price\n2,10\n".encode())
    assert list(read_csv(path).columns) == ["rooms", "price"]
    with path.open(encoding="utf-8-sig") as file:
        assert read_csv(file).equals(pd.read_csv(path))
