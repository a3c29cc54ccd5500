"""A result's file name as platforms take it: a control character in a person's file name once
made discord.py's HTTP library refuse the upload of a finished video."""

from __future__ import annotations

import pytest

from bot.delivery import NAME_MAX, sendable_name


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("holiday-720p.mp4", "holiday-720p.mp4"),
        ("a\x1b[31mred\r\nline\x00z-540p.mp4", "a[31mredlinez-540p.mp4"),
        ("\u202egnp.mp4", "gnp.mp4"),  # a right-to-left override, which disguises the type
        ("../../etc/passwd.mp4", "passwd.mp4"),
        ("\x00\x01.mp4", "video.mp4"),
    ],
)
def test_names_keep_what_a_person_reads_and_nothing_else(given: str, sent: str) -> None:
    assert sendable_name(given) == sent


def test_a_long_name_is_cut_keeping_its_extension() -> None:
    name = sendable_name("视频" * 200 + ".webm")
    assert len(name) == NAME_MAX and name.endswith("视.webm")
