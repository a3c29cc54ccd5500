"""Hostile text, the way a person would send it: a real `clipbridge chat` given a clip and then a
4096-character message (Telegram's longest), and `clipbridge compress` given a 400-digit size.

Each answer is asserted, not how long it took (that is benchmarks/hostile_texts.py); the
timeouts are modest, so a parser that takes seconds per message still fails here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.acceptance.conftest import Newcomer

LONGEST = 4096
PROMPT = 15.0  # seconds: an answer takes a fraction of this; a backtracking parser took minutes


def _padded(request: str, unit: str = " ") -> str:
    """`request`, then `unit` to LONGEST characters (a final "." so nothing strips the spaces)."""
    return (request + unit * LONGEST)[: LONGEST - 1] + "."


async def test_the_chat_answers_4096_characters_of_hostile_text_with_the_proper_answer(
    clipbridge: Newcomer, clip: Callable[..., Path]
) -> None:
    clip("clips/a.mp4")
    async with clipbridge("chat") as bot:
        await bot.send("clips/a.mp4")
        await bot.expect(r"Received a\.mp4")

        await bot.send("十" * LONGEST)  # Chinese numerals with no unit: 0.34 s before, now ms
        await bot.expect(r"我没看懂", timeout=PROMPT)  # typed in Chinese: answered in Chinese
        await bot.send("1 " * (LONGEST // 2))  # one word after another: a lookup each before
        await bot.expect(r"I didn't understand that\. Try one of these", timeout=PROMPT)

        # The request, then spaces to the limit: cubic backtracking after "audio" before.
        await bot.send(_padded("compress to under 8MB, no audio"))
        await bot.expect(r"Understood: under 8\.0 MB, no audio, H\.264\.", timeout=PROMPT)
        await bot.expect(r"Here is your video", timeout=60)

        await bot.send("under -5MB")
        await bot.expect(r"A size has to be more than zero", timeout=PROMPT)
        await bot.send("under 1" + "0" * 400 + "MB")
        await bot.expect(r"I didn't understand that size: the number is too large", timeout=PROMPT)

        await bot.close_stdin()
        assert await bot.wait() == 0
    assert "Traceback" not in bot.transcript


async def test_compress_refuses_a_400_digit_size_in_one_sentence(
    clipbridge: Newcomer, clip: Callable[..., Path]
) -> None:
    clip("clip.mp4")
    async with clipbridge("compress", "clip.mp4", "under 1" + "0" * 400 + "MB") as run:
        assert await run.wait(PROMPT) != 0
    assert run.err.strip().splitlines() == [
        "🤔 I didn't understand that size: the number is too large. Say the size you want, "
        "such as “under 20MB”."
    ]
    assert "Traceback" not in run.transcript
    assert not list(clipbridge.folder.glob("clip-*.mp4"))  # nothing written


async def test_compress_refuses_a_negative_size_and_a_limit_that_is_no_number(
    clipbridge: Newcomer, clip: Callable[..., Path]
) -> None:
    clip("clip.mp4")
    async with clipbridge("compress", "clip.mp4", "under -5MB") as run:
        assert await run.wait(PROMPT) != 0
    assert "A size has to be more than zero" in run.err
    for limit in ("nan", "inf"):
        async with clipbridge("compress", "clip.mp4", "for discord", "--limit", limit) as run:
            assert await run.wait(PROMPT) == 2
        assert run.err.strip().splitlines()[-1] == (
            f"clipbridge compress: error: argument --limit: “{limit}” is not a size in MB: "
            "give a number above 0, such as 50."
        )
        assert "Traceback" not in run.transcript
