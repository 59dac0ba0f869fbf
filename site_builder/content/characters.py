"""Characters that no page, feed or calendar can carry, named so an editor can find them.

XML 1.0 forbids the C0 control characters but tab, newline and carriage return, and the
surrogates and U+FFFE/U+FFFF; the HTML standard makes every control character and every
Unicode non-character a parse error. Content holding one is an error naming its line and
the character (never silently removed: a build does not change content). The same rule
holds for every field and every body (docs/editors-guide.md, "Writing the fields").
"""

from __future__ import annotations

import re
import unicodedata

# The C0 and C1 controls but tab, newline and carriage return; the surrogates; the non-characters
# U+FDD0..U+FDEF and the last two code points of every plane (U+FFFE, U+FFFF, U+1FFFE, ...).
# Written as what is allowed, negated: the same set, but a search over ordinary text tests each character
# against the first range or two instead of against every range of the forbidden set
# (tests/test_characters.py holds the two to the same code points).
_ALLOWED = "\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufdcf\ufdf0-\ufffd" + "".join(
    f"{chr(plane * 0x10000)}-{chr(plane * 0x10000 + 0xFFFD)}" for plane in range(1, 17)
)
FORBIDDEN = re.compile(f"[^{_ALLOWED}]")

# Line breaks a one-line field cannot hold (U+0085 is forbidden anyway).
LINE_BREAK = re.compile("[\n\r\u2028\u2029]")
_FOLD = re.compile("[ \t]*[\n\r\u2028\u2029][ \t\n\r\u2028\u2029]*")

# Where editors' stray characters come from, so the message says what to look for.
_NAMES = {
    0x00: "a null character, from a damaged or binary file",
    0x08: "backspace",
    0x09: "tab",
    0x0B: "vertical tab, as Word pastes soft line breaks",
    0x0C: "form feed, as Word pastes page breaks",
    0x1B: "escape, from a terminal",
    0x7F: "delete",
    0xFEFF: "byte-order mark",
    0xFFFE: "a byte-order mark written backwards, a Unicode non-character",
    0xFFFF: "a Unicode non-character",
}


def describe(char: str) -> str:
    """'U+000B (vertical tab, as Word pastes soft line breaks)'."""
    code = ord(char)
    if code in _NAMES:
        name = _NAMES[code]
    elif code < 0x20:
        name = "a control character"
    elif 0x80 <= code <= 0x9F:
        name = "a control character, usually a curly quote or dash saved in the wrong encoding"
    elif 0xD800 <= code <= 0xDFFF:
        name = "half of a character: an unpaired surrogate"
    elif FORBIDDEN.fullmatch(char):
        name = "a Unicode non-character"
    else:
        name = unicodedata.name(char, "a character").lower()
    return f"U+{code:04X} ({name})"


FIX = "expected plain text: delete it, or retype the words around it"


def forbidden_message(char: str) -> str:
    """The message for a forbidden character, without where it is."""
    return f"contains {describe(char)}, which a web page, feed or calendar cannot carry ({FIX})"


def fold_lines(text: str) -> str:
    """Line breaks, with the spaces around them, as one space: how a paragraph of prose reads."""
    return _FOLD.sub(" ", text) if LINE_BREAK.search(text) else text
