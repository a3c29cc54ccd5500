"""Per-person defaults survive a restart: chosen with `/settings` in one run of the real
`clipbridge chat`, applied (and said) in the next run in the same folder, undone by a reset."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.media import probe
from bot.texts import t
from tests.acceptance.conftest import (
    TELEGRAM_TOKEN,
    Newcomer,
    http_env,
    telegram_env,
    wait_healthy,
)
from tests.fakes.telegram_api import FakeTelegram

CHAT = 4242


async def test_defaults_chosen_in_one_run_shape_the_next_runs_job(
    clipbridge: Newcomer, clip: Callable[..., Path], clone: Path
) -> None:
    clip("clips/a.mp4", size="640x360", duration=3)
    async with clipbridge("chat") as bot:
        await bot.send("/settings codec h265")
        await bot.expect(r"Codec: H\.265")
        await bot.send("/settings audio drop")
        await bot.expect(r"Audio: drop")
        await bot.close_stdin()
        assert await bot.wait(30) == 0, bot.transcript

    async with clipbridge("chat") as again:
        await again.send("/settings")
        await again.expect(r"Codec: H\.265")  # kept in data/, read back at start
        await again.send("clips/a.mp4")
        await again.expect(r"Received a\.mp4", timeout=60)
        await again.send("compress to under 150KB")
        await again.expect(r"Your defaults: H\.265, no audio \(/settings\)\.", timeout=60)
        done = await again.expect(r"🎬 (\S+\.mp4)", timeout=120)
        await again.send("/settings reset")
        await again.expect(r"Back to the bot's defaults")
        await again.close_stdin()
        assert await again.wait(30) == 0, again.transcript
    assert "Traceback" not in again.transcript
    made_path = Path(done.group(1))
    made = await probe(made_path if made_path.is_absolute() else clone / made_path)
    assert made.codec == "hevc" and not made.has_audio
    assert made.size <= 150_000

    async with clipbridge("chat") as third:  # reset is kept too
        await third.send("/settings")
        await third.expect(r"Codec: H\.264")
        await third.expect(r"Audio: keep")
        await third.close_stdin()
        assert await third.wait(30) == 0, third.transcript


async def test_telegram_settings_pressed_before_a_restart_shape_the_job_after_it(
    clipbridge: Newcomer, clip: Callable[..., Path], tmp_path: Path
) -> None:
    video = clip("clips/a.mp4", size="640x360", duration=3)
    async with FakeTelegram(TELEGRAM_TOKEN, keep_uploads=tmp_path / "sent") as tg:
        env = {**telegram_env(tg), **http_env()}
        async with clipbridge("run", env=env) as bot:
            await wait_healthy(bot)
            await tg.push(tg.message(CHAT, text="/settings"))
            await tg.wait_for(lambda: tg.sent(CHAT), timeout=20)
            menu_id = tg.sent(CHAT)[0]["message_id"]
            for label, after in (
                (t("settings_btn_codec", "en"), t("settings_pick_codec", "en")),
                (t("settings_value_h265", "en"), t("settings_saved", "en")),
                (t("settings_btn_send", "en"), t("settings_pick_send", "en")),
                (t("settings_value_file", "en"), t("settings_value_file", "en")),
            ):
                data = _buttons(tg.sent(CHAT)[0])[label]
                await tg.push(tg.callback(CHAT, menu_id, data))
                await tg.wait_for(lambda a=after: a in tg.sent(CHAT)[0]["text"], timeout=20)
            assert len(tg.sent(CHAT)) == 1  # one menu, edited in place
            bot.signal(signal.SIGTERM)
            assert await bot.wait() == 0

        async with clipbridge("run", env=env) as again:
            await wait_healthy(again)
            upload = tg.video(video.stat().st_size, name="a.mp4", disk_path=video)
            await tg.push(tg.message(CHAT, text="compress to under 150KB", video=upload))
            await tg.wait_for(lambda: tg.calls_of("sendDocument"), timeout=120)
            again.signal(signal.SIGTERM)
            assert await again.wait() == 0
    assert "Traceback" not in bot.transcript + again.transcript
    said = [m.get("text") or m.get("caption", "") for m in tg.sent(CHAT)]
    assert any("Your default: H.265 (/settings)." in text for text in said), said
    [document] = [u for u in tg.uploads if u.field == "document"]
    assert document.path is not None
    made = await probe(document.path)
    assert made.codec == "hevc" and made.has_audio and document.size <= 150_000


def _buttons(message: dict[str, Any]) -> dict[str, str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}
