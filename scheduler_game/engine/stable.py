"""Same level, same code, same bytes: memory addresses out of the text a player sees.

CPython's default repr names an object by its address: `<generator object helper at
0x7f3a12c4e0b0>`, `<function <lambda> at 0x7f...>`. The address changes from run to run,
so a `print()` of such an object, or an error message quoting one, would make two runs
of the same code on the same level differ. `AddressNames` (one per run) rewrites every
` at 0x<hex>` in a text to ` #N`, N counted from 1 in the order the run first shows each
address: `<generator object helper #1>`.

The same address gets the same number for the whole run, so `print(g)` twice says `#1`
twice. CPython reuses an address once its object is freed, so two objects that lived
one after the other may share a number, just as they shared an address.

The match is on the text alone: a player's own `print("meet at 0x10")` becomes
`meet #1` too. That is still the same bytes every run, which is the point.

Pure: imports nothing else of the project.
"""

from __future__ import annotations

import re

# ` at 0x7f3a...`: the shape of every default repr (`object.__repr__`, functions,
# generators, coroutines, bound methods, cells, weakrefs).
_ADDRESS = re.compile(r" at 0x([0-9a-fA-F]+)")

# How many addresses a run names before it says `#?` for every new one: a run that
# prints a million generators must not grow a million-entry table.
MAX_ADDRESSES = 10_000
UNNAMED = " #?"


class AddressNames:
    """Numbers for the memory addresses a run's text shows, by first appearance."""

    __slots__ = ("_limit", "_numbers")

    def __init__(self, limit: int = MAX_ADDRESSES) -> None:
        self._numbers: dict[int, str] = {}
        self._limit = limit

    def __len__(self) -> int:
        return len(self._numbers)

    def scrub(self, text: str) -> str:
        """`text` with every ` at 0x<hex>` replaced by ` #N` (` #?` past the limit)."""
        if "0x" not in text:  # nearly every line: no regex work at all
            return text
        return _ADDRESS.sub(self._name, text)

    def _name(self, match: re.Match[str]) -> str:
        address = int(match.group(1), 16)  # 0x7F.. and 0x7f.. are the same address
        name = self._numbers.get(address)
        if name is None:
            if len(self._numbers) >= self._limit:
                return UNNAMED
            name = f" #{len(self._numbers) + 1}"
            self._numbers[address] = name
        return name
