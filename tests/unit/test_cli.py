"""`--limit MB` of `clipbridge compress` and `clipbridge chat`: one validated type for both.

`float` accepts "nan" and "inf", which then failed deep inside as a traceback.
"""

from __future__ import annotations

import argparse

import pytest

from bot.cli import main, megabytes

NOT_SIZES = ["nan", "NaN", "inf", "-inf", "Infinity", "1e400", "0", "-5", "abc", "", "1e10"]


@pytest.mark.parametrize("text", NOT_SIZES)
def test_a_limit_that_is_no_size_is_refused_in_one_sentence(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as raised:
        megabytes(text)
    assert str(raised.value) == f"“{text}” is not a size in MB: give a number above 0, such as 50."


@pytest.mark.parametrize(("text", "value"), [("50", 50.0), ("0.5", 0.5), ("2e3", 2000.0)])
def test_a_size_in_megabytes_is_read(text: str, value: float) -> None:
    assert megabytes(text) == value


@pytest.mark.parametrize("command", [["compress", "x.mp4", "under 8MB"], ["chat"]])
@pytest.mark.parametrize("limit", ["nan", "inf"])
def test_both_commands_refuse_it_before_doing_anything(
    command: list[str], limit: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--limit", limit])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --limit: “{limit}” is not a size in MB" in err
    assert "Traceback" not in err
