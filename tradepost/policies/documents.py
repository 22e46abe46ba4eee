"""Stored policy documents: canonical JSON, its digest, and a small TOML writer for `policy show`."""

import hashlib
import json
import re
from typing import Any

from tradepost.policies.schema import StorePolicy

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def policy_document(policy: StorePolicy) -> dict[str, Any]:
    """Return the JSON-ready document that is stored for a policy."""
    return policy.model_dump(mode="json")


def canonical_json(document: dict[str, Any]) -> str:
    """Serialize a document so that equal content always gives equal text."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def document_digest(document: dict[str, Any]) -> str:
    """Return the SHA-256 hex digest of a document's canonical JSON."""
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def to_toml(document: dict[str, Any]) -> str:
    """Write a policy document as TOML; null values are left out because TOML has no null."""
    lines: list[str] = []
    _write_table(lines, [], document, header="")
    return "\n".join(lines).strip() + "\n"


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def _write_table(lines: list[str], path: list[str], table: dict[str, Any], *, header: str) -> None:
    scalars = {
        key: value
        for key, value in table.items()
        if value is not None and not isinstance(value, dict) and not _is_table_array(value)
    }
    tables = {key: value for key, value in table.items() if isinstance(value, dict)}
    arrays = {key: value for key, value in table.items() if _is_table_array(value)}
    # A table that only holds sub-tables needs no header of its own.
    if header and (scalars or not (tables or arrays)):
        lines.extend(["", header])
    lines.extend(f"{_key(key)} = {_value(value)}" for key, value in scalars.items())
    for key, value in tables.items():
        name = _dotted([*path, key])
        _write_table(lines, [*path, key], value, header=f"[{name}]")
    for key, items in arrays.items():
        name = _dotted([*path, key])
        for item in items:
            # Array-of-tables headers must be written even for empty items, or the item is lost.
            lines.extend(["", f"[[{name}]]"])
            _write_table(lines, [*path, key], item, header="")


def _dotted(path: list[str]) -> str:
    return ".".join(_key(part) for part in path)


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # JSON string escapes are a subset of TOML basic-string escapes.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value if item is not None) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None)
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"Cannot write {type(value).__name__} as TOML")
