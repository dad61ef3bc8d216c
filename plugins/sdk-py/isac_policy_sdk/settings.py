"""Parses a community's JSON settings the way the Rust SDK does: an empty string
means `{}`, a missing field takes its default, and every error names the field
(`settings.window_days: ...`), because operators read these messages."""

import json
from types import SimpleNamespace
from typing import Any, Dict

from componentize_py_types import Err


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"


def _same_kind(default: Any, value: Any) -> bool:
    # bool is a subclass of int in Python: `true` must not pass for a number of days.
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    return type(default) is type(value)


def parse_settings(text: str, defaults: Dict[str, Any]) -> SimpleNamespace:
    """Returns the settings as attributes, each field defaulting to `defaults`.

    Raises `Err` naming the field for invalid JSON, a field not in `defaults`
    (a misspelt setting must not be silently ignored) or a value whose JSON type
    differs from its default's. Range checks are the policy's own.
    """
    try:
        parsed = json.loads(text) if text.strip() else {}
    except ValueError as error:
        raise Err(f"settings: invalid JSON: {error}")
    if not isinstance(parsed, dict):
        raise Err(f"settings: must be a JSON object, got {_type_name(parsed)}")
    values = dict(defaults)
    for name, value in parsed.items():
        if name not in defaults:
            expected = ", ".join(sorted(defaults)) or "no fields"
            raise Err(f"settings.{name}: unknown field, expected {expected}")
        if not _same_kind(defaults[name], value):
            raise Err(
                f"settings.{name}: must be {_type_name(defaults[name])}, "
                f"got {_type_name(value)} {json.dumps(value)}"
            )
        values[name] = value
    return SimpleNamespace(**values)
