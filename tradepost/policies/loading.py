"""Read policies from TOML files, shipped presets or dicts, turning every problem into one clear error."""

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tradepost.core.exceptions import FieldError, ValidationFailed
from tradepost.policies.schema import PolicyRuleError, StorePolicy

PRESETS_DIR = Path(__file__).resolve().parent / "presets"


class PolicyFileError(ValidationFailed):
    """A policy document could not be read or broke a rule; the message names the source and each field."""

    code = "invalid_policy"
    title = "The store policy is not valid"

    def __init__(self, *, source: str, errors: list[FieldError]):
        lines = [
            f"{source}: {error.field}: {error.message}" if error.field else f"{source}: {error.message}"
            for error in errors
        ]
        super().__init__("\n".join(lines), errors=errors)
        self.source = source


class UnknownPreset(ValidationFailed):
    code = "unknown_preset"
    title = "No such policy preset"


def preset_names() -> list[str]:
    """Return the names of the shipped presets, sorted."""
    return sorted(path.stem for path in PRESETS_DIR.glob("*.toml"))


def parse_policy(data: dict[str, Any], source: str) -> StorePolicy:
    """Validate a policy document; `source` (a file name, "api", "admin") is named in every error."""
    try:
        return StorePolicy.model_validate(data)
    except ValidationError as exc:
        raise PolicyFileError(source=source, errors=_field_errors(exc)) from None


def load_policy_file(path: str | Path, *, source: str | None = None) -> StorePolicy:
    """Read and validate a TOML policy file; errors name `source`, by default the path as given."""
    source = source or str(path)
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise PolicyFileError(
            source=source,
            errors=[FieldError(field="", message=f"Cannot read the file: {exc.strerror}", code="io")],
        ) from None
    except tomllib.TOMLDecodeError as exc:
        # The decoder's message already carries "(at line N, column M)".
        raise PolicyFileError(
            source=source, errors=[FieldError(field="", message=f"Invalid TOML: {exc}", code="toml_syntax")]
        ) from None
    return parse_policy(data, source)


def preset_path(name: str) -> Path:
    """Return the file of a shipped preset, refusing names that are not shipped presets."""
    names = preset_names()
    # Only listed names are accepted, so a name can never point outside the presets folder.
    if name not in names:
        raise UnknownPreset(
            f"Unknown policy preset '{name}'; available presets: {', '.join(names)}", field="preset"
        )
    return PRESETS_DIR / f"{name}.toml"


def load_preset(name: str) -> StorePolicy:
    """Read and validate one of the shipped presets by name."""
    path = preset_path(name)
    return load_policy_file(path, source=path.name)


def _field_errors(exc: ValidationError) -> list[FieldError]:
    errors = []
    for error in exc.errors():
        path = [str(part) for part in error["loc"]]
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, PolicyRuleError):
            # Cross-field rules name their own fields relative to the section that checked them.
            errors.extend(
                FieldError(field=".".join([*path, field]), message=message, code="rule")
                for field, message in cause.problems
            )
        else:
            errors.append(FieldError(field=".".join(path), message=error["msg"], code=error["type"]))
    return errors
