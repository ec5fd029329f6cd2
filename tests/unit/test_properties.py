"""Property-based tests: room-URL parsing, ELO win probability and expected change."""

import uuid

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from faceitbot import parsing
from faceitbot.analysis.elo import expected_change, win_probability
from faceitbot.analysis.match import shrunk_rate
from faceitbot.errors import BadInput

match_ids = st.uuids().map(lambda u: f"1-{u}")
langs = st.sampled_from(["", "en/", "ru/", "pt-br/", "de/"])
games = st.sampled_from(["cs2", "csgo"])
tails = st.sampled_from(["", "/", "/scoreboard", "/stats", "/overview"])
hosts = st.sampled_from(
    ["https://www.faceit.com", "http://faceit.com", "www.faceit.com", "faceit.com", "HTTPS://WWW.FACEIT.COM"]
)
elos = st.integers(min_value=1, max_value=5000)


@given(match_ids, hosts, langs, games, tails, st.booleans())
def test_any_room_url_gives_its_match_id(
    mid: str, host: str, lang: str, game: str, tail: str, upper: bool
) -> None:
    url = f"{host}/{lang}{game}/room/{mid.upper() if upper else mid}{tail}"
    assert parsing.match_id(f"  {url}\n") == mid.lower()
    assert parsing.looks_like_match(url)


@given(match_ids)
def test_a_bare_match_id_is_itself(mid: str) -> None:
    assert parsing.match_id(mid.upper()) == mid


@given(st.text(max_size=400))
@example("[/")  # urlsplit raises on a host in brackets that never close
@example("faceit.com:99999/cs2/room/x")
def test_any_text_is_a_match_id_or_a_clear_error(text: str) -> None:
    try:
        got = parsing.match_id(text)
    except BadInput as e:
        assert e.key in {"error-empty-match", "error-bad-match", "error-not-faceit-url"}
    else:
        assert got.startswith("1-") and uuid.UUID(got[2:])


@given(
    match_ids,
    st.sampled_from(["https://faceit.com.evil.io", "https://evilfaceit.com", "https://example.com"]),
)
def test_other_hosts_are_refused(mid: str, host: str) -> None:
    with pytest.raises(BadInput) as e:
        parsing.match_id(f"{host}/en/cs2/room/{mid}")
    assert e.value.key == "error-not-faceit-url"


@given(elos, elos)
def test_win_probability_is_bounded_and_symmetric(a: int, b: int) -> None:
    p = win_probability(a, b)
    assert 0 < p < 1
    assert p + win_probability(b, a) == pytest.approx(1)
    assert (p > 0.5) == (a > b) or a == b
    if a == b:
        assert p == 0.5


@given(elos, elos, st.integers(min_value=1, max_value=500))
def test_win_probability_rises_with_own_elo(a: int, b: int, step: int) -> None:
    assert win_probability(a + step, b) > win_probability(a, b)
    assert win_probability(a, b + step) < win_probability(a, b)


@settings(max_examples=300)
@given(elos, elos, st.integers(min_value=1, max_value=500))
def test_expected_change_is_bounded_and_monotonic(a: int, b: int, step: int) -> None:
    gain, loss = expected_change(a, b)
    assert 1 <= gain <= 50 and -50 <= loss <= -1
    assert gain - loss in (49, 50, 51)  # K = 50 split by the chance, each side rounded
    stronger_gain, stronger_loss = expected_change(a + step, b)
    assert stronger_gain <= gain and stronger_loss <= loss  # the favourite wins less, loses more
    mirror_gain, mirror_loss = expected_change(b, a)
    assert abs(mirror_gain + loss) <= 1 and abs(mirror_loss + gain) <= 1


@given(st.integers(min_value=0, max_value=1000), st.integers(min_value=0, max_value=1000))
def test_shrinkage_stays_between_the_raw_rate_and_even(wins: int, extra: int) -> None:
    matches = wins + extra
    shrunk = shrunk_rate(wins, matches)
    raw = 100.0 * wins / matches if matches else 50.0
    assert min(raw, 50.0) - 0.05 <= shrunk <= max(raw, 50.0) + 0.05
