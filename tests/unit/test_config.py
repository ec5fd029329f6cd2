from pathlib import Path

import pytest

from faceitbot.config import FACEIT_API_DEFAULT, ConfigError, load_settings

GOOD = {"TELEGRAM_BOT_TOKEN": "123:abc-token", "FACEIT_API_KEY": "key-of-a-test"}


def test_defaults_are_documented_values() -> None:
    s = load_settings(GOOD, dotenv=None)
    assert (s.log_level, s.log_format, s.check_interval_minutes, s.queue_max_workers) == (
        "INFO",
        "text",
        10,
        3,
    )
    assert s.database_url is None and s.redis_url is None
    assert s.faceit_api_url == FACEIT_API_DEFAULT
    assert s.telegram_api_url == "https://api.telegram.org"
    assert s.data_dir == Path("data")
    assert s.admin_ids == frozenset()


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"FACEIT_API_KEY": "key-of-a-test"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "no-colon", "FACEIT_API_KEY": "key-of-a-test"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "1:token-of-a-test"}, "FACEIT_API_KEY"),
        ({**GOOD, "CHECK_INTERVAL_MINUTES": "ten"}, "CHECK_INTERVAL_MINUTES"),
        ({**GOOD, "CHECK_INTERVAL_MINUTES": "0"}, "CHECK_INTERVAL_MINUTES"),
        ({**GOOD, "QUEUE_MAX_WORKERS": "-1"}, "QUEUE_MAX_WORKERS"),
        ({**GOOD, "LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({**GOOD, "LOG_LEVEL": "loud"}, "LOG_LEVEL"),
        ({**GOOD, "ADMIN_IDS": "1,bob"}, "ADMIN_IDS"),
        ({**GOOD, "DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({**GOOD, "REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({**GOOD, "FACEIT_API_URL": "ftp://x"}, "FACEIT_API_URL"),
    ],
)
def test_a_bad_value_names_its_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(env, dotenv=None)
    assert str(err.value).startswith(variable)


def test_missing_token_points_to_the_demo() -> None:
    with pytest.raises(ConfigError, match="--demo"):
        load_settings({}, dotenv=None)


def test_values_are_parsed() -> None:
    s = load_settings(
        {
            **GOOD,
            "ADMIN_IDS": "1, 2;3",
            "LOG_LEVEL": "debug",
            "LOG_FORMAT": "JSON",
            "CHECK_INTERVAL_MINUTES": "5",
            "TELEGRAM_API_URL": "http://127.0.0.1:8081/",
            "DATA_DIR": "/tmp/x",
        },
        dotenv=None,
    )
    assert s.admin_ids == frozenset({1, 2, 3})
    assert (s.log_level, s.log_format, s.check_interval_minutes) == ("DEBUG", "json", 5)
    assert s.telegram_api_url == "http://127.0.0.1:8081"
    assert s.data_dir == Path("/tmp/x")


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        '# comment\nexport TELEGRAM_BOT_TOKEN="9:from-file"\nFACEIT_API_KEY=file-key\nLOG_LEVEL=WARNING\n'
    )
    s = load_settings({"LOG_LEVEL": "ERROR"}, dotenv=dotenv)
    assert s.telegram_bot_token == "9:from-file"
    assert s.faceit_api_key == "file-key"
    assert s.log_level == "ERROR"


def test_secrets_do_not_show_in_repr() -> None:
    s = load_settings({"TELEGRAM_BOT_TOKEN": "123:very-secret", "FACEIT_API_KEY": "key-secret"}, dotenv=None)
    assert "very-secret" not in repr(s)
    assert "key-secret" not in repr(s)


def test_every_secret_setting_is_in_the_list_the_logs_mask() -> None:
    env = {
        **GOOD,
        "DASHBOARD_TOKEN": "d" * 16,
        "DASHBOARD_ADMIN_TOKEN": "a" * 20,
        "FACEIT_WEBHOOK_SECRET": "w" * 16,
        "WEBHOOK_URL": "https://bot.example/tg",
        "WEBHOOK_SECRET": "s" * 12,
    }
    s = load_settings(env, dotenv=None)
    assert sorted(s.secrets) == sorted(
        ["123:abc-token", "key-of-a-test", "d" * 16, "a" * 20, "w" * 16, "s" * 12]
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [("FACEIT_API_KEY", "k"), ("TELEGRAM_BOT_TOKEN", "1:x"), ("WEBHOOK_SECRET", "abc")],
)
def test_a_secret_too_short_to_be_real_is_refused(name: str, value: str) -> None:
    env = {**GOOD, "WEBHOOK_URL": "https://bot.example/tg", "WEBHOOK_SECRET": "s" * 12, name: value}
    with pytest.raises(ConfigError, match=name):
        load_settings(env, dotenv=None)
