"""One settings object, read from the environment and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Optional

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every setting of every process; names match the environment variables."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'huiyin.db'}"
    media_dir: Path = PROJECT_ROOT / "var" / "media"
    city_name: str = "Huiyin City"
    timezone: str = "Asia/Shanghai"
    reference_prefix: str = "HY"

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = 30.0
    action_server_port: int = 5055

    web_host: str = "127.0.0.1"
    web_port: int = 8000
    # Signs web chat session cookies; set it in production so sessions survive restarts.
    web_secret: Optional[str] = None

    telegram_bot_token: Optional[str] = None
    telegram_webhook_url: Optional[str] = None
    telegram_webhook_secret: Optional[str] = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    # Only tests and self-hosted Bot API servers change these.
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_file_base_url: str = "https://api.telegram.org/file/bot"

    push_interval_seconds: float = 2.0
    push_rate_per_second: float = 29.0
    push_per_chat_interval_seconds: float = 1.05
    push_max_attempts: int = 8

    @field_validator(
        "telegram_bot_token", "telegram_webhook_url", "telegram_webhook_secret", "web_secret",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value):
        # `.env.example` lists every variable; an empty one means "not set".
        return None if isinstance(value, str) and not value.strip() else value

    def media_path(self) -> Path:
        """The media directory, created on first use."""
        self.media_dir.mkdir(parents=True, exist_ok=True)
        return self.media_dir


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
