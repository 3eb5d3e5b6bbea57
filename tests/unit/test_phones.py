import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

from chairops.phones import _MOBILE_TYPES, _countries, mask, parse_mobile


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


def _reference_parse_mobile(raw, country, allowed=None):
    """parse_mobile as it was before it asked phonenumbers for the type once (the reference)."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 40:
        raise ValueError("Enter your mobile number.")
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("That does not look like a phone number.") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("That number is not valid. Check the digits and the country code.")
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise ValueError("Enter a mobile number that can receive texts.")
    if allowed is not None and phonenumbers.region_code_for_number(number) not in allowed:
        raise ValueError("We can only text numbers in " + _countries(allowed) + ".")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _outcome(parse, raw, country, allowed):
    try:
        return parse(raw, country, allowed)
    except ValueError as exc:
        return f"refused: {exc}"


# Numbers as people type them: a country's calling code or a national prefix, then digits
# with the separators phones and forms add; examples of every type and region seed the search.
_EXAMPLES = [
    phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    for region in ("US", "CA", "GB", "FR", "DE", "JM", "PR", "IM", "JE", "AU", "IN")
    for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.TOLL_FREE)
    if (example := phonenumbers.example_number_for_type(region, kind)) is not None
]
_typed = st.one_of(
    st.sampled_from(_EXAMPLES),
    st.builds(
        lambda prefix, digits: prefix + digits,
        st.sampled_from(["+1", "+44", "+33", "+49", "+1 876", "+1 787", "0", "", "+", "+800"]),
        st.text(alphabet="0123456789 -().", max_size=16),
    ),
    st.sampled_from(_EXAMPLES).map(lambda e: e[:-1]),  # one digit short
)


@settings(max_examples=400, deadline=None)
@given(
    raw=_typed,
    country=st.sampled_from(["US", "CA", "GB", "FR", "DE"]),
    allowed=st.one_of(st.none(), st.sets(st.sampled_from(["US", "CA", "GB", "FR"]), min_size=1)),
)
def test_one_type_lookup_answers_as_validity_and_type_did(raw, country, allowed):
    assert _outcome(parse_mobile, raw, country, allowed) == _outcome(
        _reference_parse_mobile, raw, country, allowed
    )
