"""The one place that reads the environment.

Defaults make `make run` work on a bare machine; in production (ASSURA_ENV=production)
missing required values fail loudly at start-up.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ASSURA_VAR_DIR", BASE_DIR / "var"))


class ImproperlyConfiguredEnv(RuntimeError):
    pass


def get(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def get_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def get_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def get_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def is_production() -> bool:
    return get("ASSURA_ENV", "development") == "production"


def require(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfiguredEnv(f"{name} must be set when ASSURA_ENV=production")
    return value


def secret_key() -> str:
    """SECRET_KEY from the environment; for local use, generated once into var/."""
    if is_production():
        return require("SECRET_KEY")
    value = os.environ.get("SECRET_KEY")
    if value:
        return value
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()
