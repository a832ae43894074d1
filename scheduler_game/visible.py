"""Text from a level file or from task code, made safe to put on a terminal.

A level's title, brief and hints, a task's printed output, an exception's message and a
traceback are data, written by whoever wrote the level or the code. Printed raw, they
could drive the player's terminal: `\\x1b[2J` clears the screen, `\\x1b]0;...\\x07` sets
the window title, `\\x1b]52;c;...\\x07` (OSC 52) writes the clipboard, a carriage return
or backspaces overwrite what was said, `\\x9b` is a one-byte CSI on some terminals, the
bidi overrides (U+202A-U+202E, U+2066-U+2069, "Trojan Source") reorder what a line
appears to say, and a lone surrogate makes `print` raise UnicodeEncodeError.

`visible` shows each of those characters as a backslash escape instead, so the reader
sees exactly what is there and the terminal obeys none of it. A literal backslash is
left as it is: the output is for eyes, not for parsing back. A tab is kept (it is
harmless and code and tracebacks use it); a newline is kept only when asked for.

Pure: no imports of the rest of the project, so anything may use it.
"""

from __future__ import annotations

import re

__all__ = ["visible"]

# C0 controls except tab and newline, DEL, C1 controls, lone surrogates, bidi controls.
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069"
_UNSAFE_KEEP_NEWLINES = re.compile(f"[{_UNSAFE}]")
_UNSAFE_WITH_NEWLINES = re.compile(f"[\n{_UNSAFE}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str, *, newlines: bool = False) -> str:
    """`text` with every terminal control character shown as a backslash escape.

    Escaped: C0 controls (U+0000-U+001F) except tab, and except newline when `newlines`
    is true; DEL; C1 controls (U+0080-U+009F); lone surrogates (U+D800-U+DFFF); the bidi
    embedding, override and isolate characters (U+202A-U+202E, U+2066-U+2069). A
    character up to U+00FF becomes `\\xNN`, one above becomes `\\uNNNN`. Tabs stay.

    Text with none of them (nearly all text) is returned unchanged, the same object:
    one precompiled regex search, no copy.
    """
    pattern = _UNSAFE_KEEP_NEWLINES if newlines else _UNSAFE_WITH_NEWLINES
    if pattern.search(text) is None:
        return text
    return pattern.sub(_escape, text)
