"""Files people upload (drawings, datasheets, ticket attachments): the name, the size and the first bytes
are checked against what the caller accepts. No store rules: each app passes its own table and limit."""

from collections.abc import Mapping
from dataclasses import dataclass

from tradepost.core.exceptions import ValidationFailed

# extension -> (content type stored, leading bytes; None for text formats, which must hold no NUL bytes)
FileTypes = Mapping[str, tuple[str, bytes | None]]
MAX_NAME = 150


_SAME_KIND = {"jpg": "JPEG", "jpeg": "JPEG", "stp": "STEP"}


def _kinds(allowed: FileTypes) -> str:
    """'PDF, PNG, JPEG or TXT': the accepted kinds in the caller's order, each once."""
    kinds = list(dict.fromkeys(_SAME_KIND.get(ext, ext.upper()) for ext in allowed))
    return kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " or " + kinds[-1]


@dataclass(frozen=True)
class Upload:
    """A file as received by an interface: its name, declared type and bytes (read once, size-capped)."""

    name: str
    content_type: str
    data: bytes


def upload_check(
    upload: Upload, *, allowed: FileTypes, max_bytes: int, field: str = "files"
) -> tuple[str, str]:
    """Refuse a file without a name, of a type not `allowed`, empty, over `max_bytes`, or whose first bytes
    do not match its extension; returns (clean name, content type)."""
    name = (upload.name or "").replace("\x00", "").strip().rsplit("/", 1)[-1].rsplit("\\", 1)[-1][-MAX_NAME:]
    if not name:
        raise ValidationFailed("The file has no name.", field=field, code="invalid_file")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in allowed:
        raise ValidationFailed(f"{name}: send {_kinds(allowed)} files.", field=field, code="file_type")
    if not upload.data:
        raise ValidationFailed(f"{name} is empty.", field=field, code="invalid_file")
    if len(upload.data) > max_bytes:
        raise ValidationFailed(
            f"{name} is larger than {max_bytes // (1024 * 1024)} MB.", field=field, code="file_too_large"
        )
    content_type, magic = allowed[extension]
    if magic is not None and not upload.data.startswith(magic):
        raise ValidationFailed(f"{name} is not really a .{extension} file.", field=field, code="file_type")
    if magic is None and b"\x00" in upload.data[:4096]:
        raise ValidationFailed(f"{name} is not a text .{extension} file.", field=field, code="file_type")
    return name, content_type
