"""Names vulture reports as unused that are used where it cannot see: by a framework that calls
them, by a wire format that fills them, or as API that tests and examples exercise.

`bash scripts/dev.sh test` runs vulture on bot, adapters and this file ([tool.vulture] in
pyproject.toml). A name added here needs its reason; a name whose reason is gone should go, so
vulture can see it again.
"""

from vulture.whitelist_utils import Whitelist

_ = Whitelist()

# --- called or read by a framework
_.__getattr__  # module __getattr__ (PEP 562): lazy imports in adapters/*, bot/store
_.from_custom_id  # discord.ui.DynamicItem: discord.py rebuilds a button from its custom id
_.setup_hook  # discord.Client: called once on login
_.on_message  # discord.Client: the gateway's message event
_.guilds  # discord.Intents flags, read by discord.py when connecting
_.dm_messages  # discord.Intents flag
_.guild_messages  # discord.Intents flag
_.warn_nacl  # discord.VoiceClient: silences a warning about voice, which the bot never uses
_.warn_dave  # discord.VoiceClient: same
_.whitespace_split  # shlex.shlex: read by the lexer (adapters/console/lines.py)
_.option_string  # argparse.Action.__call__'s signature (bot/backends/local/command.py)
_.family  # aiohttp AbstractResolver.resolve's signature (bot/links.py)
_.row_factory  # sqlite3/aiosqlite: read by the connection for every row
_.model_config  # pydantic / pydantic-settings: the model's configuration
_._absolute  # pydantic field_validator (bot/config.py)
_._split  # pydantic field_validator (bot/config.py)
_._networks  # pydantic field_validator (bot/config.py)
_.expires_in  # NemoVideo answer field: parsed and validated, kept to state the wire format
_.cdn_url  # NemoVideo answer field: same

# --- API whose users are tests, examples or other backends
_.register  # bot.ports.register: how a new platform plugs in (examples/http_lines.py)
_.workspace  # LocalBackend.workspace: tests look at what a turn leaves on disk
_.checked  # bot.formats.checked: an attachment checked by content (tests/unit/test_formats.py)
_.templates  # bot.texts.words.templates: the catalog check in tests/test_texts.py
_.to_dict  # bot.core.requests: a job request as plain data, for a queue to another process
_.from_dict  # bot.core.requests: same, back
_.coded_width  # MediaInfo: the probe's record, asserted in tests/local/test_media.py
_.coded_height  # MediaInfo: same
_.bit_depth  # MediaInfo: same
_.schema_version  # SqliteStore: migrations, tests/unit/test_store.py
_.get_job  # Store contract (tests/contracts/test_store.py), for PostgreSQL next
_.active_jobs_of  # Store contract, same
_.add_job_within  # Store contract: a job admitted under its limits in one step (the cluster queue)
_._postgres  # Settings: pydantic's validator of DATABASE_URL
_.__getitem__  # bot.store.rows.Row: the protocol both databases' rows meet
_.column  # Row.__getitem__'s parameter
