"""Mobile numbers: parsing against the company's country, E.164 storage, masking for logs."""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberType

_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def parse_mobile(raw: object, country: str) -> str:
    """Return the number in E.164, or raise ValueError with a message for the attendee."""
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
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(phone: str | None) -> str:
    """A number safe for logs and lists: only the last four digits show."""
    if not phone:
        return ""
    return "*" * max(len(phone) - 4, 0) + phone[-4:]
