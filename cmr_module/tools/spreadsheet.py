"""Values written to files that people open in a spreadsheet."""

# A cell starting with one of these is a formula (or becomes one) in Excel,
# LibreOffice and Google Sheets: ``=HYPERLINK(...)`` typed by a customer
# would run on the machine of the employee who opens the export.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """The value as a cell that a spreadsheet shows as text, never runs.

    A leading apostrophe is what spreadsheets themselves use to mark a cell
    as text (OWASP's advice for CSV injection).
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class SpreadsheetSafeWriter:
    """Wraps a ``csv.writer``: every cell written is spreadsheet-safe."""

    def __init__(self, writer):
        self.writer = writer

    def writerow(self, row):
        self.writer.writerow([spreadsheet_safe(cell) for cell in row])
