"""Problems found in an uploaded file, named as a spreadsheet would name them."""

from dataclasses import dataclass

FILE_ROW, HEADER_ROW = 0, 1  # row 0: the file as a whole; row 1: the header


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem: `row` as a spreadsheet numbers it (1 is the header, 0 the whole file), and its column."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = "file" if self.row == FILE_ROW else f"row {self.row}"
        return f"{where}, column {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
