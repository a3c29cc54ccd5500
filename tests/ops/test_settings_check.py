"""Start-up validation: each kind of bad configuration gets one message naming the setting."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.errors import ConfigError
from bot.settings_check import check_settings, load_settings
from tests.support.secrets import OPS_DISCORD_TOKEN as DISCORD_TOKEN
from tests.support.secrets import OPS_TELEGRAM_TOKEN as TG_TOKEN


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No setting from the machine running the tests; DATA_DIR in a fresh folder."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    yield tmp_path


def problems(**env: str) -> tuple[str, ...]:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        with pytest.raises(ConfigError) as caught:
            load_settings(env_file=None)
    return caught.value.problems


def only(**env: str) -> str:
    found = problems(**env)
    assert len(found) == 1, found
    return found[0]


def test_defaults_load(clean_env: Path) -> None:
    settings = load_settings(env_file=None)
    assert settings.chosen_backend == "local"
    assert (clean_env / "data").is_dir()
    assert list((clean_env / "data").iterdir()) == []  # the write probe leaves nothing behind


def test_a_good_full_configuration_loads(clean_env: Path) -> None:
    (clean_env / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={TG_TOKEN}\n"
        f"DISCORD_BOT_TOKEN={DISCORD_TOKEN}\n"
        "TELEGRAM_MODE=webhook\nPUBLIC_URL=https://bot.example.com\n"
        "TELEGRAM_WEBHOOK_SECRET=s3cret_value-1\nADMINS=telegram:42, discord:1234567890\n"
        "ALLOWED_CHATS=telegram:-1001234567890,telegram:-100123:7,console:me\n"
        "NEMO_TOKEN=nmv_usr_abc\nDISCORD_GUILD_ID=1234567890\n"
    )
    settings = load_settings()
    assert settings.telegram_mode == "webhook"
    assert settings.admins == ("telegram:42", "discord:1234567890")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"HTTP_PORT": "70000"}, "HTTP_PORT must be at most 65535 (got '70000'): pick a free port"),
        ({"HTTP_PORT": "web"}, "HTTP_PORT must be a whole number (got 'web')"),
        ({"BACKEND": "cloud"}, "BACKEND must be one of auto, nemo or local (got 'cloud')"),
        ({"FALLBACK_TO_LOCAL": "maybe"}, "FALLBACK_TO_LOCAL must be true or false"),
        ({"STILL_WORKING_INTERVAL": "0"}, "STILL_WORKING_INTERVAL must be more than 0"),
        ({"MAX_JOBS_PER_USER": "0"}, "MAX_JOBS_PER_USER must be at least 1"),
        ({"NEMO_TURN_TIMEOUT": "soon"}, "NEMO_TURN_TIMEOUT must be a number"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be one of plain or json"),
        (
            {"NEMO_CLIENT_ID": "c" * 80},
            "NEMO_CLIENT_ID is 80 characters long; at most 64 are allowed: use a shorter id, or "
            "unset it",
        ),
    ],
)
def test_refused_values(env: dict[str, str], expected: str) -> None:
    assert only(**env).startswith(expected)


def test_every_refused_value_is_reported_at_once() -> None:
    found = problems(HTTP_PORT="-1", LOG_LEVEL="LOUD", ENCODE_WORKERS="0")
    assert [p.split()[0] for p in found] == ["LOG_LEVEL", "HTTP_PORT", "ENCODE_WORKERS"]


def test_webhook_mode_needs_public_url_and_secret() -> None:
    found = problems(TELEGRAM_BOT_TOKEN=TG_TOKEN, TELEGRAM_MODE="webhook", HTTP_ENABLED="false")
    assert len(found) == 3
    assert found[0].startswith("PUBLIC_URL is not set, but TELEGRAM_MODE=webhook needs it")
    assert found[1].startswith("TELEGRAM_WEBHOOK_SECRET is not set")
    assert found[2].startswith("HTTP_ENABLED=false, but TELEGRAM_MODE=webhook")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PUBLIC_URL": "http://bot.example.com"}, "PUBLIC_URL must start with https://"),
        ({"PUBLIC_URL": "https://bot.example.com:9000"}, "PUBLIC_URL uses port 9000"),
        ({"PUBLIC_URL": "bot.example.com"}, "PUBLIC_URL must be an http(s) URL with a host"),
        ({"TELEGRAM_WEBHOOK_SECRET": "has spaces!"}, "TELEGRAM_WEBHOOK_SECRET may hold only"),
    ],
)
def test_webhook_details(env: dict[str, str], expected: str) -> None:
    base = {
        "TELEGRAM_BOT_TOKEN": TG_TOKEN,
        "TELEGRAM_MODE": "webhook",
        "PUBLIC_URL": "https://bot.example.com",
        "TELEGRAM_WEBHOOK_SECRET": "good-secret",
    }
    assert only(**(base | env)).startswith(expected)


def test_webhook_mode_without_telegram_is_not_a_problem() -> None:
    assert load_settings(env_file=None, telegram_mode="webhook").telegram_mode == "webhook"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"TELEGRAM_BOT_TOKEN": "not-a-token"},
            "TELEGRAM_BOT_TOKEN does not look like a bot token",
        ),
        ({"TELEGRAM_BOT_TOKEN": f'"{TG_TOKEN}"'}, "TELEGRAM_BOT_TOKEN is wrapped in quotes"),
        ({"DISCORD_BOT_TOKEN": f"Bot {DISCORD_TOKEN}"}, "DISCORD_BOT_TOKEN starts with 'Bot '"),
        ({"DISCORD_BOT_TOKEN": "abc"}, "DISCORD_BOT_TOKEN does not look like a bot token"),
        ({"NEMO_TOKEN": "nmv_usr_a b"}, "NEMO_TOKEN contains spaces"),
    ],
)
def test_malformed_tokens_are_named_but_never_shown(env: dict[str, str], expected: str) -> None:
    message = only(**env)
    assert message.startswith(expected)
    for value in env.values():
        assert value not in message
        assert value.strip('"').removeprefix("Bot ") not in message


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"ADMINS": "telegram:42,tg:7"}, "ADMINS entry 'tg:7' is not platform:user_id"),
        ({"ADMINS": "telegram:@alice"}, "ADMINS entry 'telegram:@alice' is not platform:user_id"),
        ({"ADMINS": "42"}, "ADMINS entry '42' is not platform:user_id"),
        ({"ALLOWED_USERS": "discord:"}, "ALLOWED_USERS entry 'discord:' is not platform:user_id"),
        ({"ALLOWED_CHATS": "telegram:group"}, "ALLOWED_CHATS entry 'telegram:group' is not"),
    ],
)
def test_bad_access_list_entries(env: dict[str, str], expected: str) -> None:
    message = only(**env)
    assert message.startswith(expected)
    assert "or discord:123456789012345678" in message  # the fix shows the right shape


def test_ffmpeg_path_must_be_an_executable(clean_env: Path) -> None:
    missing = clean_env / "no-ffmpeg"
    assert only(FFMPEG_PATH=str(missing)).startswith(f"FFMPEG_PATH={missing} does not exist")
    plain = clean_env / "ffmpeg.txt"
    plain.write_text("not a program")
    assert only(FFMPEG_PATH=str(plain)).startswith(f"FFMPEG_PATH={plain} is not an executable")
    assert only(FFMPEG_PATH=str(clean_env)).startswith(f"FFMPEG_PATH={clean_env} is not an")


def test_unwritable_data_dir(clean_env: Path) -> None:
    if os.getuid() == 0:  # root writes through file modes; sysfs refuses even root
        locked = Path("/sys/clipbridge-test")
        message = only(DATA_DIR=str(locked))
    else:
        locked = clean_env / "locked"
        locked.mkdir()
        locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
        try:
            message = only(DATA_DIR=str(locked))
        finally:
            locked.chmod(stat.S_IRWXU)
    assert message.startswith(f"DATA_DIR={locked} cannot be used (permission denied)")
    assert "in a container mount a volume at /data" in message


def test_data_dir_blocked_by_a_file(clean_env: Path) -> None:
    blocker = clean_env / "data-file"
    blocker.write_text("")
    message = only(DATA_DIR=str(blocker / "sub"))
    assert message.startswith(f"DATA_DIR={blocker / 'sub'} cannot be used (part of the path is")
    db = only(DATABASE_PATH=str(blocker / "db" / "x.sqlite3"))
    assert db.startswith("DATABASE_PATH=")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"TELEGRAM_LOCAL_MODE": "true"}, "TELEGRAM_LOCAL_MODE=true needs a local Bot API server"),
        (
            {"TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot"},
            "TELEGRAM_BASE_URL and TELEGRAM_BASE_FILE_URL point at different servers",
        ),
        ({"TELEGRAM_BASE_URL": "https://api.telegram.org/"}, "TELEGRAM_BASE_URL must end in /bot"),
        ({"NEMO_API_URL": "mega-api-prod"}, "NEMO_API_URL must be an http(s) URL with a host"),
        (
            {"BACKEND": "nemo", "NEMO_API_URL": "http://nemo.example.com"},
            "NEMO_API_URL uses http:// to a remote host",
        ),
        ({"NEMO_CLIENT_ID": "two words"}, "NEMO_CLIENT_ID may hold only printable ASCII"),
        ({"DISCORD_GUILD_ID": "my-server"}, "DISCORD_GUILD_ID must be a server id"),
        (
            {"NEMO_RENDER_POLL_INTERVAL": "60", "NEMO_RENDER_TIMEOUT": "30"},
            "NEMO_RENDER_POLL_INTERVAL is not shorter than NEMO_RENDER_TIMEOUT",
        ),
    ],
)
def test_inconsistent_combinations(env: dict[str, str], expected: str) -> None:
    assert only(**env).startswith(expected)


def test_local_nemo_over_http_is_fine_for_tests() -> None:
    settings = load_settings(env_file=None, backend="nemo", nemo_api_url="http://127.0.0.1:9")
    assert check_settings(settings) == []


def test_error_text_lists_every_problem() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None, admins="x", ffmpeg_path="/nonexistent/ffmpeg")
    text = str(caught.value)
    assert text.startswith("2 configuration problems:\n- ADMINS entry 'x'")
    assert "\n- FFMPEG_PATH=/nonexistent/ffmpeg does not exist" in text
    assert caught.value.__cause__ is None  # pydantic's text (with inputs) is not chained


def test_secrets_never_print() -> None:
    secrets = {
        "TELEGRAM_BOT_TOKEN": TG_TOKEN,
        "DISCORD_BOT_TOKEN": DISCORD_TOKEN,
        "NEMO_TOKEN": "nmv_usr_never_printed_0123456789",
        "TELEGRAM_WEBHOOK_SECRET": "webhook_secret_never_printed",
    }
    with pytest.MonkeyPatch.context() as mp:
        for name, value in secrets.items():
            mp.setenv(name, value)
        settings = load_settings(env_file=None)
    shown = " ".join([repr(settings), str(settings), settings.model_dump_json()])
    for value in secrets.values():
        assert value not in shown
    assert sorted(settings.secrets()) == sorted(secrets.values())
