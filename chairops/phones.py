"""Mobile numbers: parsing against the company's country, E.164 storage, masking for logs."""

from __future__ import annotations

from collections.abc import Collection

import phonenumbers
from phonenumbers import PhoneNumberType

_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
MAX_MORE_COUNTRIES = 20  # companies.sms_countries holds "CA GB ..." in 60 characters


def parse_mobile(raw: object, country: str, allowed: Collection[str] | None = None) -> str:
    """Return the number in E.164, or raise ValueError with a message for the attendee.

    With `allowed`, only numbers of those countries are accepted (texts cost money abroad,
    and satellite and global-network numbers are a favourite of SMS pumping).
    """
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 40:
        raise ValueError("Enter your mobile number.")
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("That does not look like a phone number.") from exc
    # number_type is UNKNOWN exactly when is_valid_number is false (both match the number
    # against its region's patterns): one lookup serves both checks, on every claim.
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        raise ValueError("That number is not valid. Check the digits and the country code.")
    if kind not in _MOBILE_TYPES:
        raise ValueError("Enter a mobile number that can receive texts.")
    if allowed is not None and phonenumbers.region_code_for_number(number) not in allowed:
        raise ValueError("We can only text numbers in " + _countries(allowed) + ".")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_countries(raw: object, own: str | None = None) -> str | None:
    """More countries to text, typed as codes ("ca, GB" or a list): "CA GB" in the order given,
    without repeats or the company's `own` country; None for none; ValueError naming the codes
    phone numbers cannot be read for."""
    words = raw if isinstance(raw, list | tuple) else str(raw or "").replace(",", " ").split()
    codes = list(dict.fromkeys(str(word).strip().upper() for word in words if str(word).strip()))
    unknown = [code for code in codes if code not in phonenumbers.SUPPORTED_REGIONS]
    if unknown:
        uk = " The United Kingdom is GB." if "UK" in unknown else ""
        raise ValueError(
            f"Not a country we can text: {', '.join(unknown)}. Use two-letter codes, such as CA."
            + uk
        )
    codes = [code for code in codes if code != own]
    if len(codes) > MAX_MORE_COUNTRIES:
        raise ValueError(f"Name at most {MAX_MORE_COUNTRIES} countries.")
    return " ".join(codes) or None


def _countries(codes: Collection[str]) -> str:
    names = sorted(_COUNTRY_NAMES.get(code, code) for code in codes)
    return " or ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " or " + names[-1]


_COUNTRY_NAMES = {"US": "the US", "CA": "Canada", "GB": "the UK", "FR": "France", "DE": "Germany"}


def mask(phone: str | None) -> str:
    """A number safe for logs and lists: only the last four digits show."""
    if not phone:
        return ""
    return "*" * max(len(phone) - 4, 0) + phone[-4:]
