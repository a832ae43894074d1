"""The command line: `scheduler-game` and its subcommands."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("Yield: the level file and the game screens are coming; the engine is here.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
