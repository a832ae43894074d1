"""The base of every model of the level file."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A part of a level file: a key the model does not know is an error at its line."""

    model_config = ConfigDict(extra="forbid")
