"""Settings read once from the environment (and an optional .env file)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from faceitbot.tiers import Tier

FACEIT_API_DEFAULT = "https://open.faceit.com/data/v4"
TELEGRAM_API_DEFAULT = "https://api.telegram.org"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


# No real token, key or webhook secret is shorter (a Bot API token is about 46 characters).
MIN_SECRET_LENGTH = 8


class Secret(str):
    """A string that never shows itself in repr() or f-strings of containers."""

    def __repr__(self) -> str:
        return "Secret('***')" if self else "Secret('')"


@dataclass(frozen=True, slots=True)
class Settings:
    telegram_bot_token: Secret
    faceit_api_key: Secret
    database_url: str | None = None
    redis_url: str | None = None
    redis_prefix: str = "fb:"
    log_level: str = "INFO"
    log_format: str = "text"
    check_interval_minutes: int = 10
    queue_max_workers: int = 3
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    data_dir: Path = Path("data")
    faceit_api_url: str = FACEIT_API_DEFAULT
    telegram_api_url: str = TELEGRAM_API_DEFAULT
    # Messages a second the bot sends overall, all replicas together (Telegram allows about 30).
    telegram_send_rate: int = 28
    faceit_concurrency: int = 5
    faceit_budget_requests: int = 500
    faceit_budget_window_s: int = 600
    faceit_rate_per_second: int = 10  # the key's gateway limit (API.md §5), for every replica together
    faceit_timeout_s: float = 10.0
    # Each user's own FACEIT calls outside the analysis quota (lookups, searches, insight views,
    # inline queries, form jobs) per window, by tier: the key is shared, one user must not spend it for all.
    user_faceit_allowance: int = 30
    user_faceit_allowance_premium: int = 60
    user_faceit_allowance_pro: int = 120
    user_faceit_allowance_window_s: int = 600
    quota_free: int = 5
    quota_premium: int = 100
    quota_pro: int = 500
    # Prices in Telegram Stars for 30 days. Users buy Stars in the app stores at about $0.02 each
    # (50 ⭐ for $0.99 … 2500 ⭐ for $49.99), so 500 ⭐ ≈ $9.99 and 1000 ⭐ ≈ $19.99, the seed's
    # PREMIUM and PRO prices. (Developers are paid out about $0.013 a Star.) At most 10000: the
    # ceiling Telegram puts on a Stars subscription.
    price_premium_stars: int = 500
    price_pro_stars: int = 1000
    # Extra analyses the referrer and the referred user each get when the latter links FACEIT.
    referral_bonus: int = 5
    # Tracking: players a tier may follow with /track (the linked account is free);
    # the share of the FACEIT budget monitoring may spend; how often its tick runs. The base
    # interval of the adaptive checks is check_interval_minutes (faceitbot/tracking/cadence.py).
    track_limit_free: int = 3
    track_limit_premium: int = 20
    track_limit_pro: int = 100
    monitor_budget_share: float = 0.6
    monitor_tick_s: int = 15
    # Replicas and operations: how updates arrive, the side server, leases and a graceful stop.
    webhook_url: str | None = None
    webhook_secret: Secret = field(default_factory=lambda: Secret(""))
    # FACEIT webhooks for monitoring (served on the side server, HEALTH_PORT); off when empty.
    faceit_webhook_secret: Secret = field(default_factory=lambda: Secret(""))
    notification_keep_days: int = 30  # sent/settled outbox rows older than this are pruned
    port: int = 8080
    health_port: int = 8081  # 0: no side server
    http_host: str = "0.0.0.0"
    leader_ttl_s: int = 15
    update_claim_s: int = 30
    shutdown_grace_s: float = 6.0
    queue_lease_s: int = 30
    # Operator web dashboard on the side server: off unless a token is set.
    dashboard_token: Secret = field(default_factory=lambda: Secret(""))
    dashboard_admin_token: Secret = field(default_factory=lambda: Secret(""))

    def track_limit(self, tier: str) -> int:
        t = Tier(tier)
        return {
            Tier.FREE: self.track_limit_free,
            Tier.PREMIUM: self.track_limit_premium,
            Tier.PRO: self.track_limit_pro,
        }[t]

    def faceit_allowance(self) -> dict[str, int]:
        return {
            "free": self.user_faceit_allowance,
            "premium": self.user_faceit_allowance_premium,
            "pro": self.user_faceit_allowance_pro,
        }

    def daily_quota(self, tier: str) -> int:
        t = Tier(tier)  # an unknown tier raises: it must never mean a quota of 0
        return {Tier.FREE: self.quota_free, Tier.PREMIUM: self.quota_premium, Tier.PRO: self.quota_pro}[t]

    def price_stars(self, tier: str) -> int:
        return {Tier.PREMIUM: self.price_premium_stars, Tier.PRO: self.price_pro_stars}[Tier(tier)]

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every set secret setting, read off the fields typed Secret, so a new one is masked in the
        logs without anyone remembering to add it here."""
        values = (getattr(self, f.name) for f in fields(self))
        return tuple(v for v in values if isinstance(v, Secret) and v)


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; '#' comments; optional quotes. The environment wins over the file."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def _int(env: dict[str, str], name: str, default: int, *, minimum: int = 1, maximum: int = 10**6) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ConfigError(f"{name} must be between {minimum} and {maximum}, got {value}")
    return value


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {raw!r}")
    return value


def _fraction(env: dict[str, str], name: str, default: float) -> float:
    value = _float(env, name, default)
    if value > 1:
        raise ConfigError(f"{name} must be a fraction between 0 and 1, got {value}")
    return value


def _choice(env: dict[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env.get(name, "").strip() or default
    normalized = value.upper() if name == "LOG_LEVEL" else value.lower()
    if normalized not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return normalized


def _url(env: dict[str, str], name: str, default: str | None, schemes: tuple[str, ...]) -> str | None:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.startswith(tuple(f"{s}://" for s in schemes)):
        raise ConfigError(f"{name} must start with {' or '.join(s + '://' for s in schemes)}")
    return value.rstrip("/")


def _admin_ids(env: dict[str, str]) -> frozenset[int]:
    raw = env.get("ADMIN_IDS", "")
    ids: set[int] = set()
    for part in raw.replace(";", ",").replace(" ", ",").split(","):
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ConfigError(f"ADMIN_IDS must be comma-separated Telegram user ids, got {part!r}")
        ids.add(int(part))
    return frozenset(ids)


def _webhook_secret(env: dict[str, str], webhook_url: str | None) -> Secret:
    secret = env.get("WEBHOOK_SECRET", "").strip()
    if webhook_url and not secret:
        raise ConfigError(
            "WEBHOOK_SECRET is required with WEBHOOK_URL: 1-256 characters of A-Z, a-z, 0-9, _ and -"
        )
    if secret and (len(secret) > 256 or not all(c.isascii() and (c.isalnum() or c in "_-") for c in secret)):
        raise ConfigError("WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    return Secret(secret)


def _dashboard_token(env: dict[str, str], name: str) -> Secret:
    token = env.get(name, "").strip()
    if token and len(token) < 16:
        raise ConfigError(f"{name} must be at least 16 characters (it is the dashboard's only password)")
    return Secret(token)


def _faceit_webhook_secret(env: dict[str, str]) -> Secret:
    secret = env.get("FACEIT_WEBHOOK_SECRET", "").strip()
    # Compared byte for byte with a header: short ones are guessable, odd characters get mangled.
    if secret and (not 16 <= len(secret) <= 256 or not all(c.isascii() and c.isprintable() for c in secret)):
        raise ConfigError("FACEIT_WEBHOOK_SECRET must be 16-256 printable ASCII characters")
    return Secret(secret)


def load_settings(
    environ: dict[str, str] | None = None, *, dotenv: Path | None = Path(".env"), require_secrets: bool = True
) -> Settings:
    env = read_dotenv(dotenv) if dotenv else {}
    env.update(os.environ if environ is None else environ)

    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    key = env.get("FACEIT_API_KEY", "").strip()
    if require_secrets:
        if not token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: get one from @BotFather, or try `python run.py --demo`"
            )
        if ":" not in token:
            raise ConfigError("TELEGRAM_BOT_TOKEN must look like 123456:ABC... (as @BotFather gives it)")
        if not key:
            raise ConfigError(
                "FACEIT_API_KEY is not set: create a server-side key at developers.faceit.com, "
                "or try `python run.py --demo`"
            )

    settings = Settings(
        telegram_bot_token=Secret(token),
        faceit_api_key=Secret(key),
        database_url=_url(env, "DATABASE_URL", None, ("postgres", "postgresql")),
        redis_url=_url(env, "REDIS_URL", None, ("redis", "rediss", "unix")),
        redis_prefix=env.get("REDIS_PREFIX", "").strip() or "fb:",
        log_level=_choice(env, "LOG_LEVEL", "INFO", ("TRACE", "DEBUG", "INFO", "WARNING", "ERROR")),
        log_format=_choice(env, "LOG_FORMAT", "text", ("text", "json")),
        check_interval_minutes=_int(env, "CHECK_INTERVAL_MINUTES", 10, maximum=24 * 60),
        queue_max_workers=_int(env, "QUEUE_MAX_WORKERS", 3, maximum=64),
        admin_ids=_admin_ids(env),
        data_dir=Path(env.get("DATA_DIR", "").strip() or "data"),
        faceit_api_url=_url(env, "FACEIT_API_URL", FACEIT_API_DEFAULT, ("http", "https"))
        or FACEIT_API_DEFAULT,
        telegram_api_url=_url(env, "TELEGRAM_API_URL", TELEGRAM_API_DEFAULT, ("http", "https"))
        or TELEGRAM_API_DEFAULT,
        telegram_send_rate=_int(env, "TELEGRAM_SEND_RATE", 28, minimum=1, maximum=100_000),
        faceit_concurrency=_int(env, "FACEIT_CONCURRENCY", 5, maximum=100),
        faceit_budget_requests=_int(env, "FACEIT_BUDGET_REQUESTS", 500, maximum=10**7),
        faceit_budget_window_s=_int(env, "FACEIT_BUDGET_WINDOW_SECONDS", 600, maximum=86400),
        faceit_rate_per_second=_int(env, "FACEIT_RATE_PER_SECOND", 10, minimum=1, maximum=10000),
        faceit_timeout_s=_float(env, "FACEIT_TIMEOUT_SECONDS", 10.0),
        user_faceit_allowance=_int(env, "USER_FACEIT_ALLOWANCE", 30, minimum=1, maximum=10**6),
        user_faceit_allowance_premium=_int(
            env, "USER_FACEIT_ALLOWANCE_PREMIUM", 60, minimum=1, maximum=10**6
        ),
        user_faceit_allowance_pro=_int(env, "USER_FACEIT_ALLOWANCE_PRO", 120, minimum=1, maximum=10**6),
        user_faceit_allowance_window_s=_int(
            env, "USER_FACEIT_ALLOWANCE_WINDOW_SECONDS", 600, minimum=1, maximum=86400
        ),
        quota_free=_int(env, "QUOTA_FREE", 5, minimum=0),
        quota_premium=_int(env, "QUOTA_PREMIUM", 100, minimum=0),
        quota_pro=_int(env, "QUOTA_PRO", 500, minimum=0),
        price_premium_stars=_int(env, "PRICE_PREMIUM_STARS", 500, maximum=10000),
        price_pro_stars=_int(env, "PRICE_PRO_STARS", 1000, maximum=10000),
        referral_bonus=_int(env, "REFERRAL_BONUS", 5, minimum=0, maximum=1000),
        track_limit_free=_int(env, "TRACK_LIMIT_FREE", 3, minimum=0, maximum=10000),
        track_limit_premium=_int(env, "TRACK_LIMIT_PREMIUM", 20, minimum=0, maximum=10000),
        track_limit_pro=_int(env, "TRACK_LIMIT_PRO", 100, minimum=0, maximum=10000),
        monitor_budget_share=_fraction(env, "MONITOR_BUDGET_SHARE", 0.6),
        monitor_tick_s=_int(env, "MONITOR_TICK_SECONDS", 15, minimum=5, maximum=3600),
        webhook_url=_url(env, "WEBHOOK_URL", None, ("https", "http")),
        webhook_secret=_webhook_secret(env, env.get("WEBHOOK_URL", "").strip() or None),
        faceit_webhook_secret=_faceit_webhook_secret(env),
        notification_keep_days=_int(env, "NOTIFICATION_KEEP_DAYS", 30, minimum=1, maximum=3650),
        port=_int(env, "PORT", 8080, maximum=65535),
        health_port=_int(env, "HEALTH_PORT", 8081, minimum=0, maximum=65535),
        http_host=env.get("HTTP_HOST", "").strip() or "0.0.0.0",
        leader_ttl_s=_int(env, "LEADER_TTL_SECONDS", 15, minimum=2, maximum=600),
        update_claim_s=_int(env, "UPDATE_CLAIM_SECONDS", 30, minimum=2, maximum=3600),
        shutdown_grace_s=_float(env, "SHUTDOWN_GRACE_SECONDS", 6.0),
        queue_lease_s=_int(env, "QUEUE_LEASE_SECONDS", 30, minimum=3, maximum=3600),
        dashboard_token=_dashboard_token(env, "DASHBOARD_TOKEN"),
        dashboard_admin_token=_dashboard_token(env, "DASHBOARD_ADMIN_TOKEN"),
    )
    _reject_short_secrets(settings)
    return settings


def _reject_short_secrets(settings: Settings) -> None:
    """A secret of a few characters is a typo or a placeholder, never a real one; masked in the
    logs it would also turn every "a" into "***". Refuse it at start-up."""
    for f in fields(settings):
        value = getattr(settings, f.name)
        if isinstance(value, Secret) and value and len(value) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"{f.name.upper()} is {len(value)} characters long: a real one has at least {MIN_SECRET_LENGTH}"
            )
