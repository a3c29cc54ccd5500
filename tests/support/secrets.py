"""Every secret a test configures, named once. The run-wide check in tests/conftest.py fails the
run if any of them reaches a log line; a test that needs a new secret adds it here."""

from __future__ import annotations

# The bot of the Telegram and app tests.
TELEGRAM_TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw3"
# A second bot, for the operations tests (logs, doctor, settings check).
OPS_TELEGRAM_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
# The bot whose file links NemoVideo must never be handed (they carry the token).
UPLOAD_TELEGRAM_TOKEN = "123456789:AAHsecretsecretsecretsecretsecret12"

DISCORD_TOKEN = "MTE4NzY1NDMyMTAxMjM0NTY3OA.GhIjKl.s3cr3t-b0t-t0k3n_ABCDEFGHIJKLMNOPQRSTUV"
OPS_DISCORD_TOKEN = "MTAxMjM0NTY3ODkwMTIzNDU2Nw.GhIjKl.discord-secret-value-xyz"
# The bot of the platform registry tests (a Discord-only bot run for real).
REGISTRY_DISCORD_TOKEN = "MTAxMjM0NTY3ODkwMTIzNDU2Nw.GhIjKl.registry-test-secret"

OPS_NEMO_TOKEN = "nmv_usr_0123456789abcdef0123456789abcdef"
DOCTOR_NEMO_TOKEN = "nmv_usr_doctor_0123456789abcdef"
READINESS_NEMO_TOKEN = "nmv_usr_readiness_secret_0123456789"

WEBHOOK_SECRET = "webhook-secret-1234567890"

# The password of the tests' PostgreSQL (tests/support/postgres.py), inside every DATABASE_URL.
POSTGRES_PASSWORD = "pg-pass-5e1f0c2b9a7d"

TEST_SECRETS = (
    TELEGRAM_TOKEN,
    OPS_TELEGRAM_TOKEN,
    UPLOAD_TELEGRAM_TOKEN,
    DISCORD_TOKEN,
    OPS_DISCORD_TOKEN,
    REGISTRY_DISCORD_TOKEN,
    OPS_NEMO_TOKEN,
    DOCTOR_NEMO_TOKEN,
    READINESS_NEMO_TOKEN,
    WEBHOOK_SECRET,
    POSTGRES_PASSWORD,
)
