"""The set of characters no output can carry (characters.FORBIDDEN), held to its definition at every code
point: the definition is written out here the way the standards say it, the module writes it the fast way."""

from __future__ import annotations

from hypothesis import given, strategies as st

from site_builder.content.characters import FORBIDDEN


def forbidden_by_definition(code: int) -> bool:
    """XML 1.0's excluded characters and HTML's parse errors: controls but tab, LF and CR, surrogates,
    and the non-characters U+FDD0..U+FDEF and U+xFFFE, U+xFFFF of every plane."""
    return (
        (code < 0x20 and code not in (0x09, 0x0A, 0x0D))
        or 0x7F <= code <= 0x9F
        or 0xD800 <= code <= 0xDFFF
        or 0xFDD0 <= code <= 0xFDEF
        or (code & 0xFFFE) == 0xFFFE
    )


def test_every_code_point_is_forbidden_exactly_when_the_definition_says():
    wrong = [code for code in range(0x110000) if bool(FORBIDDEN.match(chr(code))) != forbidden_by_definition(code)]
    assert wrong == []


@given(st.text(alphabet=st.characters(codec=None, blacklist_categories=())))
def test_search_finds_the_first_forbidden_character_of_any_text(text):
    first = next((n for n, char in enumerate(text) if forbidden_by_definition(ord(char))), None)
    found = FORBIDDEN.search(text)
    assert (found.start() if found else None) == first
    assert [m.start() for m in FORBIDDEN.finditer(text)] == [
        n for n, char in enumerate(text) if forbidden_by_definition(ord(char))
    ]
