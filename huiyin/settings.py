"""One settings object, read from the environment and `.env`."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Optional

from pydantic import ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_SAMPLE_AREAS = PROJECT_ROOT / "cases" / "areas" / "sample" / "city.geojson"
_SAMPLE_GAZETTEER = PROJECT_ROOT / "cases" / "areas" / "sample" / "gazetteer.yml"


class Settings(BaseSettings):
    """Every setting of every process; names match the environment variables."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'huiyin.db'}"
    media_dir: Path = PROJECT_ROOT / "var" / "media"
    # Generated secrets live in VAR_DIR/secrets (owner-only); the data defaults above are under it too.
    var_dir: Path = PROJECT_ROOT / "var"
    timezone: str = "Asia/Shanghai"
    # The language staff read the console, alerts and reports in unless their account or browser says otherwise
    # ("en" or "zh", cases/i18n.py).
    staff_language: str = "en"
    reference_prefix: str = "HY"

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = 30.0
    action_server_port: int = 5055
    # The action server listens here; anything but loopback needs a firewall or TLS in front (README).
    action_server_host: str = "127.0.0.1"
    # Where Rasa reaches the action server (Rasa reads it from its environment); unset: this host and port.
    action_server_url: Optional[str] = None
    # Sent by Rasa with every action call and checked by the action server; unset: generated under VAR_DIR.
    action_server_token: Optional[str] = None
    # Where Rasa keeps conversations, so a restart forgets none (any SQLAlchemy URL). Unset: the PostgreSQL
    # database of DATABASE_URL (schema RASA_TRACKER_SCHEMA) when that is PostgreSQL, else var/rasa-trackers.db.
    rasa_tracker_store_url: Optional[str] = None
    rasa_tracker_schema: str = "rasa"
    # Conversation events older than this are deleted by the scheduler (cases are kept in our own database).
    tracker_retention_days: float = 30.0

    web_host: str = "127.0.0.1"
    web_port: int = 8000
    # Processes of `python -m bot.webchat` (the web chat on its own, for scaling out); `python -m bot` serves it
    # in its one process.
    web_workers: int = 2
    # Signs web chat session cookies; set it in production so sessions survive restarts.
    web_secret: Optional[str] = None
    # Web chat abuse limits: messages (text, buttons, locations) per minute and photos per hour,
    # per browser session and per client address (an office or carrier NAT shares one address).
    web_messages_per_minute: int = 20
    web_messages_per_minute_per_address: int = 120
    web_photos_per_hour: int = 10
    web_photos_per_hour_per_address: int = 30
    # Photos are refused while the media directory's disk has less free space than this.
    media_min_free_mb: float = 1024.0
    # Photo files no case or live chat refers to are deleted once older than this (a report in progress
    # holds its photo at most a Rasa session, 2 hours).
    media_orphan_hours: float = 24.0
    # The resident's own data (README "Residents' data"): how long we keep what, told in the privacy notice
    # (generated from these, so it never says otherwise) and enforced by jobs/retention.py.
    # Photos of closed cases (files and rows; the public board's approved ones too), days after closing.
    closed_case_photo_retention_days: float = 180.0
    # Live-chat transcripts (messages between a resident and staff), days after the chat ended.
    transcript_retention_days: float = 365.0
    # Telegram updates stored but never handled (their text is a resident's message), days after arrival.
    pending_update_retention_days: float = 7.0
    # Where the full privacy notice is read; empty: the web chat's own page, http://WEB_HOST:WEB_PORT/privacy.
    privacy_notice_url: str = ""
    # How long a web chat's "download my data" link works.
    export_link_minutes: float = 30.0

    telegram_bot_token: Optional[str] = None
    telegram_webhook_url: Optional[str] = None
    telegram_webhook_secret: Optional[str] = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    # Every update is stored before Telegram is told we have it; a worker leases a chat to handle its updates
    # in order, renewing while it lives: a crashed worker's chats pass to another after this long.
    telegram_lease_seconds: float = 15.0
    # How often a worker looks for chats whose updates reached another worker that has since stopped.
    telegram_inbox_poll_seconds: float = 1.0
    # Only tests and self-hosted Bot API servers change these.
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_file_base_url: str = "https://api.telegram.org/file/bot"

    # The WeChat Official Account channel (python -m bot.wechat; README "WeChat"): off until the token, app id and
    # secret are set. The token is the one typed in the admin console's server settings (URL signatures); an
    # EncodingAESKey (43 characters) set means safe mode (messages AES-encrypted). The API base changes only in tests.
    wechat_token: Optional[str] = None
    wechat_app_id: Optional[str] = None
    wechat_app_secret: Optional[str] = None
    wechat_encoding_aes_key: Optional[str] = None
    wechat_api_base: str = "https://api.weixin.qq.com/"
    # WeChat tells us no language: new WeChat residents start in this one (they change it with /language).
    wechat_language: str = "zh"
    wechat_host: str = "127.0.0.1"
    wechat_port: int = 8002
    # As Telegram's: every message is stored before WeChat is answered; a worker leases a resident's messages to
    # handle them in order, and a crashed worker's pass to another after this long (README "WeChat").
    wechat_lease_seconds: float = 15.0
    wechat_inbox_poll_seconds: float = 1.0
    # The https address of the server URL set in WeChat's admin console (e.g. https://city.example/wechat): "my
    # data" links (single-use, EXPORT_LINK_MINUTES) are made under it. Empty: "my data" points to the service desk.
    wechat_public_url: str = ""
    # The template message (模板消息) a status push becomes when the resident last wrote more than 48 hours ago (WeChat
    # then refuses customer-service messages). Its fields: keyword1 the case reference, keyword2 its status, keyword3
    # the time; it links to the case's page on the public board when BOARD_PUBLIC_URL is set. Unset: such pushes are
    # marked failed ("outside WeChat's 48-hour window"), README "WeChat".
    wechat_status_template_id: Optional[str] = None

    # The staff console (python -m web): its own port, meant for the city's internal network.
    console_host: str = "127.0.0.1"
    console_port: int = 8001
    # How links in staff alerts and reports point at the console.
    console_public_url: str = "http://127.0.0.1:8001"
    # Signs nothing: console sessions live in the database. A login lasts this long without use.
    staff_session_hours: float = 12.0
    # Login attempts (counted before the password is checked) per account from one address, and per
    # address across accounts, within the window; a successful login clears the account's count there.
    login_attempts_per_account: int = 5
    login_attempts_per_address: int = 20
    login_window_minutes: float = 15.0

    # Open311 GeoReport v2 (python -m web.open311, its own process and port, meant to be public behind a
    # TLS proxy; paths under /open311/v2/). The jurisdiction_id clients may send
    # (empty: any, as one jurisdiction is served); service requests one API key may post per minute; the
    # contact and changeset shown in service discovery.
    open311_host: str = "127.0.0.1"
    open311_port: int = 8311
    open311_workers: int = 1
    open311_jurisdiction_id: str = ""
    open311_posts_per_minute: int = 6000
    open311_contact: str = "Huiyin, the city's request service"
    open311_changeset: str = "2026-11-30"
    # Where residents reach the public board (served by the same public process, path /board); set, a
    # filed case's reply carries the link to its public page.
    board_public_url: str = ""

    # Addresses (or networks, or *) of reverse proxies whose X-Forwarded-For/-Proto the console and the
    # web chat believe, comma-separated; empty: none, the connecting address is the client.
    trusted_proxies: str = ""
    # Strict-Transport-Security max-age on responses served over HTTPS (0: no header).
    hsts_max_age: int = 31536000

    # When people answer handed-over chats (city time), e.g. "mon-fri" and 09:00-18:00.
    office_days: str = "mon-fri"
    office_open: str = "09:00"
    office_close: str = "18:00"
    # A handed-over chat waiting longer than this is flagged to supervisors.
    handoff_flag_minutes: float = 10.0
    # Low-confidence turns in a row after which the bot hands the chat to a person.
    low_confidence_handoff_turns: int = 2

    # Non-urgent pushes wait from quiet_hours_start until quiet_hours_end (city time).
    quiet_hours_start: str = "21:00"
    quiet_hours_end: str = "08:00"

    # An overdue case goes up one level at its due date, and again each time this much more passes.
    escalation_step_hours: float = 48.0
    # The city's grids, communities, sub-districts and districts (GeoJSON), and the streets and landmarks that
    # place a typed address in a grid (YAML): see README "Grids and levels". The sample city by default.
    areas_file: Path = _SAMPLE_AREAS
    gazetteer_file: Path = _SAMPLE_GAZETTEER
    # The satisfaction question goes out this long after "resolved"; unanswered, the case closes after expiry.
    survey_delay_hours: float = 2.0
    survey_expiry_days: float = 7.0
    # Reports: weekly on this weekday, monthly on the 1st, at this hour (city time).
    report_weekday: str = "mon"
    report_hour: int = 8

    push_interval_seconds: float = 1.0
    push_rate_per_second: float = 29.0
    push_per_chat_interval_seconds: float = 1.05
    # Telegram allows short bursts to one chat: this many messages at once, then one per interval.
    push_per_chat_burst: int = 3
    push_max_attempts: int = 8
    # A new case's reference is also queued as a push held back this long: cancelled once the conversation's
    # reply carrying it has reached the resident, sent if it never did (the bot died in between).
    receipt_delay_seconds: float = 120.0

    @field_validator(
        "telegram_bot_token", "telegram_webhook_url", "telegram_webhook_secret", "web_secret",
        "action_server_url", "action_server_token",
        "wechat_token", "wechat_app_id", "wechat_app_secret", "wechat_encoding_aes_key", "wechat_status_template_id",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `.env.example` lists every variable; an empty one means "not set".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("areas_file", "gazetteer_file", mode="before")
    @classmethod
    def _blank_is_the_sample_city(cls, value: object, info: ValidationInfo) -> object:
        # `.env.example` leaves them empty: the sample city's files.
        if isinstance(value, str) and not value.strip():
            return _SAMPLE_AREAS if info.field_name == "areas_file" else _SAMPLE_GAZETTEER
        return value

    @field_validator("action_server_token")
    @classmethod
    def _token_fits_a_header(cls, value: Optional[str]) -> Optional[str]:
        # It travels in an HTTP header written by Rasa's YAML: printable ASCII, no spaces, not guessable.
        if value is not None and not re.fullmatch(r"[!-~]{16,}", value):
            raise ValueError("ACTION_SERVER_TOKEN must be at least 16 printable ASCII characters without spaces")
        return value

    @field_validator("wechat_encoding_aes_key")
    @classmethod
    def _aes_key_is_43_characters(cls, value: Optional[str]) -> Optional[str]:
        # WeChat's EncodingAESKey: 43 base64 characters, a 32-byte AES key once "=" is added.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9+/]{43}", value):
            raise ValueError("WECHAT_ENCODING_AES_KEY must be the 43 characters of the admin console's EncodingAESKey")
        return value

    @field_validator("wechat_public_url")
    @classmethod
    def _wechat_url_is_https(cls, value: str) -> str:
        # Residents open these links in WeChat's browser, and a link to their data must not travel in the clear.
        if value and not re.fullmatch(r"https://[^\s/?#]+(/[^\s?#]*)?", value):
            raise ValueError("WECHAT_PUBLIC_URL must be an https:// address (the server URL set in WeChat's console)")
        return value.rstrip("/")

    def wechat_enabled(self) -> bool:
        """Whether the WeChat channel is configured (token, app id and app secret all set)."""
        return bool(self.wechat_token and self.wechat_app_id and self.wechat_app_secret)

    def action_endpoint_url(self) -> str:
        """Where Rasa sends action calls: ACTION_SERVER_URL, or the action server's own host and port."""
        if self.action_server_url:
            return self.action_server_url
        host = "127.0.0.1" if self.action_server_host in ("0.0.0.0", "::", "") else self.action_server_host
        host = f"[{host}]" if ":" in host else host  # an IPv6 address
        return f"http://{host}:{self.action_server_port}/webhook"

    def tracker_store_url(self) -> str:
        """Rasa's tracker store: RASA_TRACKER_STORE_URL, DATABASE_URL when PostgreSQL, else a SQLite file under var/."""
        if self.rasa_tracker_store_url:
            return self.rasa_tracker_store_url
        if self.database_url.startswith("postgresql"):
            return self.database_url
        return f"sqlite:///{self.var_dir / 'rasa-trackers.db'}"

    def privacy_url(self) -> str:
        """Where the full privacy notice is read: PRIVACY_NOTICE_URL, else the web chat's own /privacy page."""
        return self.privacy_notice_url or f"http://{self.web_host}:{self.web_port}/privacy"

    def media_path(self) -> Path:
        """The media directory, created on first use."""
        self.media_dir.mkdir(parents=True, exist_ok=True)
        return self.media_dir


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
