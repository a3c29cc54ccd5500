"""Settings: the one place that reads the environment and `.env`.

Every field is an environment variable of the same name in upper case (`nemo_token` is
`NEMO_TOKEN`). `.env.example` and `docs/configuration.md` list them all; a test keeps the three in
step. Read once at start-up with `Settings()`, then passed down; nothing else reads `os.environ`.
"""

from __future__ import annotations

from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CommaList = Annotated[tuple[str, ...], NoDecode]

MB = 1_000_000


def absolute_path(value: str | Path) -> Path:
    """A path from settings or the command line, resolved once against the folder the bot was
    started in: ffmpeg and other subprocesses run in other folders, where a relative path would
    point somewhere else."""
    return Path(value).expanduser().absolute()


POSTGRES_SCHEMES = ("postgresql", "postgres")


class Settings(BaseSettings):
    # `NAME=` with nothing after it means unset, as in the commented-out lines of .env.example.
    model_config = SettingsConfigDict(
        env_file=".env",
        extra="ignore",
        frozen=True,
        env_ignore_empty=True,
        use_attribute_docstrings=True,
    )

    # --- General -------------------------------------------------------------------------------
    backend: Literal["auto", "nemo", "local"] = "auto"
    """`nemo`, `local`, or `auto` (NemoVideo when NEMO_TOKEN is set, the local engine otherwise)."""
    fallback_to_local: bool = False
    """When NemoVideo says it has no credits, do the job with the local engine instead."""
    data_dir: Path = Path("data")
    """Where the database and work files live (a volume in a container)."""
    database_path: Path | None = None
    """SQLite file; defaults to DATA_DIR/clipbridge.sqlite3."""
    database_url: SecretStr | None = None
    """`postgresql://user:password@host:5432/db`: keep the bot's state in PostgreSQL instead of
    SQLite, shared by several processes (docs/scaling.md)."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """Least important log lines shown; DEBUG also shows every HTTP request libraries make."""
    log_format: Literal["plain", "json"] = "plain"
    """`plain` lines for people, or one JSON object per line for a log collector."""
    shutdown_grace: float = Field(default=20.0, ge=0)
    """Seconds a stopping bot lets running turns finish; exports are kept and resumed at start."""
    worker_stalled_after: float = Field(default=30.0, gt=0)
    """With DATABASE_URL: seconds without a heartbeat after which a worker is taken for dead and
    its jobs are run again by another one (docs/scaling.md)."""

    # --- Who may use the bot -------------------------------------------------------------------
    admins: CommaList = ()
    """Comma-separated `platform:user_id` (e.g. `telegram:42`): see credits, get top-up links."""
    allowed_users: CommaList = ()
    """Comma-separated `platform:user_id`; empty means everyone."""
    allowed_chats: CommaList = ()
    """Comma-separated `platform:chat_id`; empty means every chat."""
    max_jobs_per_user: int = Field(default=2, ge=1)
    """Jobs (turns and exports) one person may have running at once."""
    max_jobs_per_day: int = Field(default=0, ge=0)
    """Jobs one person may start per day; 0 means no limit."""

    # --- Progress ------------------------------------------------------------------------------
    still_working_interval: float = Field(default=120.0, gt=0)
    """Seconds between "⏳ Still working..." updates while only heartbeats arrive."""
    edit_interval: float = Field(default=3.0, ge=0)
    """Fewest seconds between two progress edits in one chat."""

    # --- HTTP server (webhook, health, metrics) ------------------------------------------------
    http_host: str = "127.0.0.1"
    """Address the HTTP server listens on (`0.0.0.0` in a container)."""
    http_port: int = Field(default=8080, ge=0, le=65535)
    """Port of the HTTP server; 0 picks a free one."""
    http_enabled: bool = True
    """Serve /healthz, /readyz and /metrics (and the Telegram webhook in webhook mode)."""
    public_url: str | None = None
    """This server's public https URL, for the Telegram webhook."""

    # --- NemoVideo -----------------------------------------------------------------------------
    nemo_token: SecretStr | None = None
    """An operator token (nmv_usr_...). Without it the bot gets an anonymous token itself."""
    nemo_api_url: str = "https://mega-api-prod.nemovideo.ai"
    """The NemoVideo API."""
    nemo_web_url: str = "https://nemovideo.com"
    """The NemoVideo web app, for links shown to people (top-up, sign-up)."""
    nemo_client_id: str | None = Field(default=None, max_length=64)
    """Stable client id for anonymous tokens; generated once and stored when unset."""
    nemo_skill_source: str = "clipbridge"
    """Sent as X-Skill-Source: the product name NemoVideo attributes calls to."""
    nemo_skill_platform: str = "clipbridge"
    """Sent as X-Skill-Platform."""
    nemo_max_connections: int = Field(default=1000, ge=1)
    """Streaming connections to NemoVideo at once (turns, uploads, downloads; short calls have
    their own small pool). A turn past it waits for a free connection."""
    nemo_request_timeout: float = Field(default=30.0, gt=0)
    """Seconds to wait for one NemoVideo call (not a streaming turn)."""
    nemo_turn_timeout: float = Field(default=900.0, gt=0)
    """Longest a whole turn may stream, in seconds."""
    nemo_heartbeat_timeout: float = Field(default=600.0, gt=0)
    """Longest a turn may send only heartbeats before it is given up, in seconds."""
    nemo_render_poll_interval: float = Field(default=30.0, gt=0)
    """Seconds between two looks at a running export."""
    nemo_render_timeout: float = Field(default=3600.0, gt=0)
    """Longest an export may take before it is given up and cancelled on NemoVideo, in seconds."""
    nemo_max_upload: int = Field(default=500 * MB, gt=0)
    """Largest file sent to NemoVideo, in bytes; larger ones are refused before any byte goes."""

    # --- Local engine --------------------------------------------------------------------------
    ffmpeg_path: Path | None = None
    """An ffmpeg binary to use instead of the one installed with pip (imageio-ffmpeg)."""
    encode_workers: int = Field(default=1, ge=1)
    """Encodes run at once; the rest wait in a queue with their position shown."""
    work_disk_budget: int = Field(default=20_000 * MB, gt=0)
    """Bytes of work files (uploads, passes, outputs) kept on disk at most."""
    max_pixel_rate: int = Field(default=3840 * 2160 * 60, gt=0)
    """Pixels a second of video may hold (width x height x fps), 4K at 60 fps by default: a
    heavier upload (a decode bomb: a tiny file of giant frames) is refused on arrival."""
    encode_timeout: float = Field(default=3600.0, gt=0)
    """Seconds one encode may run before it is stopped and the person told."""

    # --- Defaults for everyone (each person can change theirs with /settings) ----------------
    default_target: str | None = None
    """Size a result is made to when a request names none, e.g. `8MB` or `10MiB`; unset fits
    the chat (its upload limit; 50 MB in the console chat)."""
    default_codec: Literal["h264", "h265", "av1"] | None = None
    """Codec when a request names none; unset is H.264, which plays everywhere."""
    default_max_height: int | None = Field(default=None, ge=144, le=4320)
    """Largest picture height (e.g. `720`) when a request names no resolution; unset keeps it."""
    default_audio: Literal["keep", "drop"] = "keep"
    """Keep or drop the sound when a request says nothing about it."""
    default_send_as: Literal["video", "file"] = "video"
    """Send results as a playable `video` or as a `file` (a Telegram document, kept as is)."""

    # --- Links --------------------------------------------------------------------------------
    links_enabled: bool = True
    """Fetch videos from links people send (direct http(s) links to a video file)."""
    link_max_size: int = Field(default=200 * MB, gt=0)
    """Largest video fetched from a link, in bytes; the download stops there."""
    link_timeout: float = Field(default=300.0, gt=0)
    """Longest a whole link download may take, in seconds, however slowly the server sends."""
    link_allowed_networks: CommaList = ()
    """Comma-separated networks (e.g. `10.0.0.0/8`) that links may reach although they are not
    public: loopback, private and link-local addresses are refused unless listed here."""

    # --- Telegram ------------------------------------------------------------------------------
    telegram_bot_token: SecretStr | None = None
    """The token from @BotFather; set it to run the Telegram bot."""
    telegram_mode: Literal["polling", "webhook"] = "polling"
    """`polling` asks Telegram for updates; `webhook` has Telegram post them to PUBLIC_URL."""
    telegram_webhook_secret: SecretStr | None = None
    """Checked against X-Telegram-Bot-Api-Secret-Token in webhook mode."""
    telegram_base_url: str = "https://api.telegram.org/bot"
    """Bot API address the token is appended to; point it at a local Bot API server."""
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    """Where files are downloaded from; the same server as TELEGRAM_BASE_URL."""
    telegram_local_mode: bool = False
    """A local Bot API server (`telegram-bot-api --local`): files up to 2000 MB, read from disk."""
    telegram_rate_share: float = Field(default=1.0, gt=0, le=1)
    """This process's share of the bot's send rate (Telegram allows a bot about 30 messages a
    second, 20 a minute in one group): with N processes sending for one bot, set 1/N each
    (docs/scaling.md)."""

    # --- Discord -------------------------------------------------------------------------------
    discord_bot_token: SecretStr | None = None
    """The token from the Bot page of the Discord developer portal; set it to run on Discord."""
    discord_message_content: bool = False
    """Read messages that mention the bot in channels (needs the privileged intent)."""
    discord_interaction_ttl: float = Field(default=840.0, gt=0)
    """Seconds after which a job stops using the interaction token and posts in the channel."""
    discord_guild_id: str | None = None
    """Sync commands to this guild only (instant, for testing); unset syncs globally."""
    discord_api_url: str | None = None
    """Discord's REST API address (e.g. `http://proxy:8080/api/v10`); unset uses Discord's own."""
    discord_gateway_url: str | None = None
    """Discord's gateway address (`wss://...`), for a gateway proxy; unset uses Discord's own."""
    discord_shard_count: int | None = Field(default=None, gt=0)
    """The bot's number of gateway shards, the same in every process (docs/scaling.md); unset
    runs one unsharded connection."""
    discord_shard_ids: str | None = None
    """This process's shards of DISCORD_SHARD_COUNT, e.g. `0,1` or `0-3`; unset runs them all."""

    @field_validator("data_dir", "database_path")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        return None if value is None else absolute_path(value)

    @field_validator("database_url")
    @classmethod
    def _postgres(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and urlsplit(value.get_secret_value()).scheme not in POSTGRES_SCHEMES:
            # The value is never echoed back: it holds the password.
            raise ValueError("must start with postgresql:// (only PostgreSQL is supported)")
        return value

    @field_validator("admins", "allowed_users", "allowed_chats", "link_allowed_networks",
                     mode="before")  # fmt: skip
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("link_allowed_networks")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for network in value:
            try:
                ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"{network!r} is not a network like 10.0.0.0/8") from None
        return value

    @field_validator("default_target")
    @classmethod
    def _size(cls, value: str | None) -> str | None:
        from bot.defaults import read_size

        if value is not None and value.strip().lower() != "chat" and read_size(value) is None:
            raise ValueError(f"{value!r} is not a size from 100KB to 2GB like 8MB or 10MiB")
        return value

    @property
    def database(self) -> Path:
        return self.database_path or self.data_dir / "clipbridge.sqlite3"

    @property
    def work_dir(self) -> Path:
        return self.data_dir / "work"

    @property
    def chosen_backend(self) -> Literal["nemo", "local"]:
        if self.backend == "auto":
            return "nemo" if self.nemo_token else "local"
        return self.backend

    def secrets(self) -> list[str]:
        """Every configured secret's value, for the log redaction filter: every `SecretStr`
        field, so a new platform's token is redacted without being listed here."""
        values = [getattr(self, name) for name in type(self).model_fields]
        found = [
            v.get_secret_value()
            for v in values
            if isinstance(v, SecretStr) and v.get_secret_value()
        ]
        # A URL is redacted whole; its password alone too, wherever a library shows it.
        url = self.database_url.get_secret_value() if self.database_url else ""
        password = urlsplit(url).password
        return [*found, password] if password else found
