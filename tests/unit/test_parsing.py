from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faceitbot import parsing
from faceitbot.errors import BadInput
from faceitbot.parsing import player_query


@pytest.mark.parametrize(
    ("text", "nickname"),
    [
        ("s1mple", "s1mple"),
        ("  Darwin  ", "Darwin"),
        ("AimsTAr-2000", "AimsTAr-2000"),
        ("LA_SALSA666", "LA_SALSA666"),
        ("https://www.faceit.com/en/players/Darwin", "Darwin"),
        ("https://www.faceit.com/ru/players/Darwin/stats/cs2", "Darwin"),
        ("https://faceit.com/players/Darwin", "Darwin"),
        ("www.faceit.com/pt-BR/players/_duuuck", "_duuuck"),
        ("faceit.com/de/players/Nalon34?x=1", "Nalon34"),
    ],
)
def test_nicknames_and_profile_links(text: str, nickname: str) -> None:
    assert player_query(text) == nickname


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "error-empty-nickname"),
        ("   ", "error-empty-nickname"),
        ("x" * 300, "error-bad-nickname"),
        ("a", "error-bad-nickname"),
        ("🔥🔥🔥", "error-bad-nickname"),
        ("\u05e9\u05dc\u05d5\u05dd", "error-bad-nickname"),  # Hebrew, right-to-left
        ("\u202eevil", "error-bad-nickname"),  # RTL override character
        ("Ник", "error-bad-nickname"),
        ("two words", "error-bad-nickname"),
        ("https://steamcommunity.com/id/s1mple", "error-not-faceit-url"),
        ("https://faceit.com.evil.example/en/players/x", "error-not-faceit-url"),
        ("https://www.faceit.com/en/cs2/room/1-abc", "error-not-faceit-url"),
    ],
)
def test_bad_input_names_the_problem(text: str, key: str) -> None:
    with pytest.raises(BadInput) as err:
        player_query(text)
    assert err.value.key == key


# --- every parser is total: a value, or BadInput and nothing else --------------------------------


# Text as users paste it: any unicode, and the shapes that broke parsers before (URLs with
# brackets, digits of other scripts, zero-width and right-to-left marks, paths, overlong runs).
_ODD = st.sampled_from(
    [
        "https://[x",
        "http://[::1",
        "faceit.com:99999/",
        "²",
        "١٠",
        "\u200b",
        "\u202e",
        "../",
        "Europe",
        "<b>&",
        "%2F",
    ]
)
TEXT = st.one_of(
    st.text(max_size=400),
    st.lists(st.one_of(_ODD, st.text(max_size=20)), max_size=8).map("".join),
    st.builds(lambda a, b: f"https://{a}/{b}", st.text(max_size=30), st.text(max_size=60)),
)


def _total(parse, text):
    try:
        return parse(text)
    except BadInput:
        return None


@given(TEXT)
def test_player_query_is_total(text: str) -> None:
    nickname = _total(parsing.player_query, text)
    assert nickname is None or parsing.is_nickname(nickname)


@given(TEXT)
def test_match_id_is_total(text: str) -> None:
    found = _total(parsing.match_id, text)
    assert found is None or parsing.is_match_id(found)


@given(TEXT)
def test_time_zone_is_total_and_returns_a_loadable_zone(text: str) -> None:
    zone = _total(parsing.time_zone, text)
    if zone is not None:
        ZoneInfo(zone)


@given(TEXT)
def test_count_is_total_and_in_range(text: str) -> None:
    value = _total(lambda t: parsing.count(t, 1, 50, "error-history-count"), text)
    assert value is None or 1 <= value <= 50


@given(st.integers(min_value=1, max_value=50))
def test_ascii_counts_parse(n: int) -> None:
    assert parsing.count(str(n), 1, 50, "k") == n


@pytest.mark.parametrize("text", ["²", "١٠", "５", "-1", "+3"])
def test_digits_of_other_scripts_look_like_counts_but_are_refused(text: str) -> None:
    assert parsing.looks_like_count(text)
    with pytest.raises(BadInput) as e:
        parsing.count(text, 1, 50, "error-history-count")
    assert e.value.params() == {"least": 1, "most": 50}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Europe", "error-zone-region"),
        ("america/", "error-zone-region"),
        ("Europe/Atlantis", "error-bad-zone"),
        ("x" * 5000, "error-bad-zone"),
        ("../../etc/passwd", "error-bad-zone"),
        ("", "error-bad-zone"),
    ],
)
def test_time_zone_errors_name_the_problem(text: str, key: str) -> None:
    with pytest.raises(BadInput) as e:
        parsing.time_zone(text)
    assert e.value.key == key


def test_time_zone_takes_any_case_and_returns_the_canonical_name() -> None:
    assert parsing.time_zone(" europe/BERLIN ") == "Europe/Berlin"
    assert parsing.time_zone("utc") == "UTC"
