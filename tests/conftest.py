"""Shared fixtures. Fakes live in tests/fakes and import nothing from bot/ or adapters/."""

from __future__ import annotations
