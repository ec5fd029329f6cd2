import pytest

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
