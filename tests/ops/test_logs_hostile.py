"""Log redaction on hostile text: every record passes `redact()`, a message's text included at
DEBUG, so 4096 characters of anything must come out as they went in (how long that takes is
measured in benchmarks/hostile_texts.py), and a Telegram file URL among them is still removed."""

from __future__ import annotations

import pytest

from bot.logs import redact

LONGEST = 4096
SHAPES = ["1", "十", "1.", "a.", "😀", "ﷺ", "mb ", "<@", "/", "/file/bot", "https://", ":", "x/"]
URL = "https://api.telegram.org/file/bot123456:AAH-secret/videos/file_7.mp4"


def _fill(unit: str, length: int = LONGEST) -> str:
    return (unit * (length // len(unit) + 1))[:length]


@pytest.mark.parametrize("unit", SHAPES)
def test_hostile_text_with_nothing_secret_is_logged_as_it_is(unit: str) -> None:
    text = _fill(unit)
    assert redact(text) == text


@pytest.mark.parametrize("unit", SHAPES)
def test_a_file_url_among_hostile_text_is_still_removed_whole(unit: str) -> None:
    redacted = redact(f"{_fill(unit, 2000)} {URL} {_fill(unit, 2000)}")
    assert "secret" not in redacted and "file_7" not in redacted
    assert redacted == f"{_fill(unit, 2000)} <telegram file URL [REDACTED]> {_fill(unit, 2000)}"
