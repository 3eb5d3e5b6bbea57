"""SMS segments counted as carriers count them: GSM-7 septets or UCS-2 code units, per part.

The table's counts agree with Twilio's segment calculator (sms-segments-calculator on npm);
tests/integration/test_segments_twilio.py checks that on thousands of random texts.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chairops.messaging import rules

EMOJI = "\N{GRINNING FACE}"  # outside the BMP: two UTF-16 code units


@pytest.mark.parametrize(
    ("text", "encoding", "count"),
    [
        ("", "GSM-7", 1),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),  # then 153 a part: 7 septets go to the part header
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("a" * 320, "GSM-7", 3),  # the old "two segments" cap was three
        ("€" * 80, "GSM-7", 1),  # the extension table costs two septets a character
        ("€" * 81, "GSM-7", 2),
        ("[" * 152, "GSM-7", 2),  # 76 a part
        ("[" * 153, "GSM-7", 3),
        ("a" * 158 + "^", "GSM-7", 1),  # 160 septets
        ("a" * 159 + "^", "GSM-7", 2),  # 161 septets
        # 306 septets, but the escape sequence cannot straddle two parts: three parts.
        ("a" * 152 + "€" * 77, "GSM-7", 3),
        ("é" * 160, "GSM-7", 1),  # é is in the basic set
        ("ë" * 70, "UCS-2", 1),
        ("ë" * 71, "UCS-2", 2),
        ("ë" * 134, "UCS-2", 2),
        ("ë" * 135, "UCS-2", 3),
        ("a" * 159 + "ë", "UCS-2", 3),  # one character sends all of it as UCS-2
        ("It’s" + "a" * 66, "UCS-2", 1),  # a curly apostrophe
        ("It’s" + "a" * 67, "UCS-2", 2),
        ("Łukasz" + "a" * 128, "UCS-2", 2),
        (EMOJI * 35, "UCS-2", 1),
        (EMOJI * 36, "UCS-2", 2),  # 72 code units
        # 134 code units, but a surrogate pair cannot straddle two parts: three parts.
        ("a" * 66 + EMOJI * 34, "UCS-2", 3),
        ("€" * 10 + "ë", "UCS-2", 1),  # in UCS-2 the euro sign is one unit
    ],
)
def test_segments_match_known_counts(text, encoding, count):
    assert ("GSM-7" if rules.is_gsm7(text) else "UCS-2") == encoding
    assert rules.segments(text) == count


GSM_TEXT = st.text(alphabet=sorted(rules.GSM7_BASIC | rules.GSM7_EXTENSION), max_size=700)
ANY_TEXT = st.one_of(GSM_TEXT, st.text(max_size=400))


def _cost(ch: str, gsm: bool) -> int:
    if gsm:
        return 2 if ch in rules.GSM7_EXTENSION else 1
    return len(ch.encode("utf-16-le")) // 2


@given(ANY_TEXT)
def test_parts_rebuild_the_text_and_each_fits_its_part(text):
    parts = rules.sms_parts(text)
    gsm = rules.is_gsm7(text)
    assert "".join(parts) == text
    assert rules.segments(text) == len(parts)
    sizes = [sum(_cost(ch, gsm) for ch in part) for part in parts]
    if len(parts) == 1:
        assert sizes[0] <= (rules.GSM_SINGLE if gsm else rules.UCS_SINGLE)
        return
    limit = rules.GSM_PART if gsm else rules.UCS_PART
    assert all(0 < size <= limit for size in sizes)
    # Each part is as full as it can be: the next part's first character did not fit.
    for size, following in zip(sizes, parts[1:], strict=False):
        assert size + _cost(following[0], gsm) > limit


@given(ANY_TEXT, ANY_TEXT)
def test_a_longer_text_never_costs_fewer_segments_in_the_same_encoding(head, tail):
    text = head + tail
    if rules.is_gsm7(text) == rules.is_gsm7(head):
        assert rules.segments(text) >= rules.segments(head)


@given(st.text(max_size=300), st.integers(min_value=1, max_value=300))
def test_shorten_marks_the_cut_and_keeps_short_values(value, keep):
    short = rules.shorten(value, keep)
    if len(value) <= keep:
        assert short == value
    else:
        assert short.endswith(rules.TRUNCATED) and len(short) <= max(keep, 4)
        assert value.startswith(short[: -len(rules.TRUNCATED)])


@given(
    st.text(max_size=200),
    st.text(max_size=200),
    st.sampled_from(["", " Reply STOP to opt out."]),
)
def test_fit_segments_keeps_the_fixed_words_and_fits(name, where, tail):
    fixed = "chairops: your chair massage. Change or cancel: https://chairops.example/b/" + "x" * 43

    def build(name, where):
        return f"{fixed} {name} at {where}."

    text = rules.fit_segments(build, {"name": name, "where": where}, tail=tail, plain=_ascii)
    assert text.startswith(fixed)
    assert rules.segments(text + tail) <= rules.MAX_SEGMENTS


def _ascii(value: str) -> str:
    return "".join(ch for ch in value if rules.is_gsm7(ch))


def test_fit_segments_leaves_a_text_that_fits_alone():
    def build(name):
        return f"Hi {name}!"

    assert rules.fit_segments(build, {"name": "Zoë"}, plain=_ascii) == "Hi Zoë!"
