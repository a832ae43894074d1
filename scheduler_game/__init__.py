"""Yield: a terminal game about cooperative multitasking."""

__version__ = "0.1.0"
