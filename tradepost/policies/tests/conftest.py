from pathlib import Path

import pytest

from tradepost.policies.loading import PRESETS_DIR


def preset_text(name: str) -> str:
    return (PRESETS_DIR / f"{name}.toml").read_text()


@pytest.fixture
def broken_preset(tmp_path):
    """Write a copy of a preset with exact text replacements; each replacement must apply exactly once."""

    def write(name: str, *replacements: tuple[str, str], filename: str | None = None) -> Path:
        text = preset_text(name)
        for old, new in replacements:
            assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {name}.toml"
            text = text.replace(old, new)
        path = tmp_path / (filename or f"{name}.toml")
        path.write_text(text)
        return path

    return write
