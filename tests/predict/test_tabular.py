"""Typing a CRM export the way a person would read it."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leadflow.errors import InvalidInputError
from leadflow.predict.tabular import parse_times, read_export, sniff_delimiter, type_columns

TRICKY = """\
Lead Id;Converted;Lead Source;Do Not Email;Total Time;Score;Specialization;Created;Note
a1;1;Google;No;1,5;10;Select;2024-01-03;x
a2;0;Olark Chat;Yes;2,25;;-- Select --;2024-01-04;x
a3;0;;no;;7;Finance;2024-02-01;x
a4;1;Google;YES;3;12;select;2024-02-11;x
a5;0;Direct;No;0,5;N/A;Please select;2024-03-01;x
a6;1;Direct; yes ;4;9;Marketing;2024-03-05;x
"""


def test_tricky_columns_are_typed_as_a_person_would(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text(TRICKY, encoding="utf-8")
    text, delimiter = read_export(path)
    assert delimiter == ";"
    table = type_columns(text, delimiter=delimiter)
    frame = table.frame
    assert "Do Not Email" in table.numeric
    assert frame["Do Not Email"].tolist() == [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]
    assert frame["Total Time"].tolist()[:2] == [1.5, 2.25] and np.isnan(frame["Total Time"][2])
    assert "Score" in table.numeric and frame["Score"].isna().sum() == 2
    # Six ids in six rows are too few to call an identifier; --id says so explicitly.
    assert table.categorical == ("Lead Id", "Lead Source", "Specialization")
    assert frame["Specialization"].isna().sum() == 4
    assert frame["Lead Source"].isna().sum() == 1
    assert table.dates == ("Created",)
    assert table.ignored["Note"] == "one value only"


def test_an_identifier_column_is_set_aside() -> None:
    text = pd.DataFrame(
        {"id": [f"id{i}" for i in range(200)], "plan": ["a", "b"] * 100}, dtype=object
    )
    table = type_columns(text)
    assert "identifier" in table.ignored["id"]
    assert table.categorical == ("plan",)


@pytest.mark.parametrize(
    ("sample", "expected"),
    [("a,b,c\n1,2,3\n", ","), ('"a";"b"\n"1,5";"2"\n', ";"), ("a\tb\n1\t2\n", "\t")],
)
def test_the_delimiter_is_detected(sample: str, expected: str) -> None:
    assert sniff_delimiter(sample) == expected


def test_unreadable_and_empty_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"cannot read .*missing\.csv"):
        read_export(tmp_path / "missing.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InvalidInputError, match=r"empty\.csv: the file is empty"):
        read_export(tmp_path / "empty.csv")
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(InvalidInputError, match=r"binary\.csv"):
        read_export(tmp_path / "binary.csv")


def test_a_time_column_that_does_not_parse_names_the_row() -> None:
    values = pd.Series(["2024-01-01", "2024-01-02", "next tuesday", "2024-01-04"])
    with pytest.raises(InvalidInputError, match=r"1 values .*data row 3: 'next tuesday'"):
        parse_times(values, column="Created")
