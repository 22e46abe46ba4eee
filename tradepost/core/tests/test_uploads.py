import pytest

from tradepost.core.exceptions import ValidationFailed
from tradepost.core.uploads import Upload, upload_check

ALLOWED = {
    "pdf": ("application/pdf", b"%PDF-"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "txt": ("text/plain", None),
}


def check(name, data, content_type="application/octet-stream"):
    return upload_check(Upload(name, content_type, data), allowed=ALLOWED, max_bytes=1024, field="drawings")


def test_a_good_file_keeps_its_base_name_and_gets_the_type_of_its_extension():
    assert check("C:\\Users\\x\\..\\plan.PDF", b"%PDF-1.7 ...") == ("plan.PDF", "application/pdf")
    assert check("notes.txt", "µ notes".encode()) == ("notes.txt", "text/plain")


@pytest.mark.parametrize(
    ("name", "data", "code", "words"),
    [
        ("", b"x", "invalid_file", "no name"),
        ("run.exe", b"MZ", "file_type", "send PDF, JPEG or TXT files"),
        ("empty.pdf", b"", "invalid_file", "empty"),
        ("big.pdf", b"%PDF-" + b"0" * 1024, "file_too_large", "larger than"),
        ("fake.jpg", b"%PDF-", "file_type", "not really a .jpg"),
        ("binary.txt", b"abc\x00def", "file_type", "not a text .txt"),
    ],
)
def test_refusals_name_the_field_and_say_why(name, data, code, words):
    with pytest.raises(ValidationFailed) as refused:
        check(name, data)
    assert refused.value.code == code and words in refused.value.message
    assert refused.value.errors[0].field == "drawings"
