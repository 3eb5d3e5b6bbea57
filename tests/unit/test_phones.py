import pytest

from chairops.phones import mask, parse_mobile


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("(202) 555-0123", "US", "+12025550123"),
        ("202.555.0123", "US", "+12025550123"),
        ("+1 202 555 0123", "GB", "+12025550123"),
        ("07400 123456", "GB", "+447400123456"),
    ],
)
def test_mobile_numbers_become_e164(raw, country, expected):
    assert parse_mobile(raw, country) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "12",
        "not a number",
        "+1 800 555 0100",
        "+44 20 7946 0018",
        "9" * 41,
        None,
        2025550123,
    ],
)
def test_bad_or_non_mobile_numbers_are_refused_with_a_message(raw):
    with pytest.raises(ValueError) as caught:
        parse_mobile(raw, "US")
    assert str(caught.value)


def test_mask_keeps_only_the_last_four_digits():
    assert mask("+12025550123") == "********0123"
    assert mask(None) == ""
