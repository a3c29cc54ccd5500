"""A Ctrl-C reaches the bot once, however many ffmpeg children it is starting at that moment.

A terminal sends Ctrl-C to the whole foreground group. A child forked with a `preexec_fn` runs
Python between fork and exec; a SIGINT landing there ran the inherited handler in the child,
which wrote to the event loop's wakeup socket the child shares with the bot: one Ctrl-C was seen
twice, and the terminal chat quit instead of cancelling (about one run in eight of the console's
Ctrl-C acceptance test). The program below counts what its loop sees while spawning children as
fast as it can, in its own process group, while we send it a known number of SIGINTs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG")

PROGRAM = textwrap.dedent(
    """
    import asyncio, signal, sys
    from bot.media import die_with_parent

    seen = 0

    async def main() -> None:
        global seen
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()

        def on_ctrl_c() -> None:
            global seen
            seen += 1

        loop.add_signal_handler(signal.SIGINT, on_ctrl_c)
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        print("ready", flush=True)
        while not stop.is_set():
            child = await asyncio.create_subprocess_exec(
                sys.executable, "-c", "", preexec_fn=die_with_parent()
            )
            await child.wait()
        print(seen, flush=True)

    asyncio.run(main())
    """
)


def test_a_ctrl_c_during_a_spawn_is_seen_once(tmp_path: Path) -> None:
    script = tmp_path / "spawner.py"
    script.write_text(PROGRAM)
    root = Path(__file__).resolve().parents[2]
    spawner = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group: what we send never reaches pytest
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert spawner.stdout is not None
    try:
        assert spawner.stdout.readline().strip() == "ready"
        sent = 200
        for _ in range(sent):
            os.killpg(spawner.pid, signal.SIGINT)
            time.sleep(0.003)  # presses far apart for a machine, closer than any person's
        spawner.send_signal(signal.SIGTERM)
        seen = int(spawner.stdout.readline())
        assert spawner.wait(timeout=30) == 0
    finally:
        if spawner.poll() is None:
            os.killpg(spawner.pid, signal.SIGKILL)
    assert 0 < seen <= sent, f"{sent} Ctrl-C sent, {seen} seen"
