"""Make text from an incident safe to print: nothing a user writes may reach the terminal or the
document as anything but visible characters.

An incident file is written by whoever reports the incident; its titles, names and free text are
printed in text, Markdown and explain output. Without care a value could carry an ANSI/OSC escape
sequence (colour, a clickable link, a rewritten window title, a cleared screen), a newline that
forges a line of the answer ("報告義務：なし"), or Markdown block syntax that forges a heading,
a rule, a quote, a list or a table. So every string is passed through `plain` before it is laid
out, and Markdown additionally through `markdown.esc`:

- C0 controls (newline and tab included) become the Unicode control pictures (␊, ␉, ␛ …), so
  an escape sequence prints as the harmless text `␛[31m`;
- DEL, the C1 controls (U+0080-U+009F: CSI, OSC, NEL …), the line and paragraph separators and
  the bidirectional overrides that can make text read in another order are written as `\\uXXXX`.

Strings written by the knowledge base pass through the same filter; they contain none of these
characters (a test holds the KB to that), so for them it changes nothing.
"""
from __future__ import annotations

import re

# DEL, C1, U+2028/2029, bidi embeddings/overrides/isolates, and the BOM / zero-width no-break space
_HIDDEN = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ufeff]")
_C0 = re.compile("[\x00-\x1f]")


def plain(text: str) -> str:
    """`text` with every control and direction-changing character made visible."""
    text = _C0.sub(lambda m: chr(0x2400 + ord(m.group())), text)
    return _HIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
