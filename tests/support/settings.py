"""The one way a test builds `Settings`: no `.env`, no token or address from the environment,
and nothing that waits long. Presets add what a fake needs; overrides come last and win.

    settings = make_settings(tmp_path, nemo_at(fake.url), backend="nemo", edit_interval=0.2)
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.config import Settings

HERMETIC: dict[str, Any] = {
    # Whatever the shell running pytest exports, a test talks only to what it configures.
    "telegram_bot_token": None,
    "discord_bot_token": None,
    "nemo_token": None,
    "nemo_client_id": None,
}

NEMO_FAST: dict[str, Any] = {
    "nemo_web_url": "https://web.example",
    "nemo_request_timeout": 5.0,
    "nemo_turn_timeout": 10.0,
    "nemo_heartbeat_timeout": 5.0,
    "nemo_render_poll_interval": 0.01,
    "nemo_render_timeout": 10.0,
}


def nemo_at(url: str) -> dict[str, Any]:
    """A preset for a NemoVideo fake at `url`, with waits in fractions of a second."""
    return {"nemo_api_url": url, **NEMO_FAST}


def make_settings(
    tmp: Path | None = None, *presets: Mapping[str, Any], **overrides: Any
) -> Settings:
    """Settings for a test: `tmp` holds its data folder (`tmp/data`); then each preset (later
    ones win), then `overrides`."""
    values: dict[str, Any] = dict(HERMETIC)
    if tmp is not None:
        values["data_dir"] = tmp / "data"
    for preset in presets:
        values.update(preset)
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]
