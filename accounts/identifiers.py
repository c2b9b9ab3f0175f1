"""Business numbers and program account numbers (pure: no Django models).

BN9: nine digits, the ninth a Luhn check digit. Program account (BN15): BN9 + a
two-letter program identifier + a four-digit reference, e.g. 123456782RM0001; accepted
with spaces and in lower case, stored upper case without spaces.
"""

import re


class IdentifierError(ValueError):
    """A malformed identifier; `code` lets a form say it in the user's language."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


PROGRAM_ACCOUNT = re.compile(r"^(\d{9})([A-Z]{2})(\d{4})$")
IMPORT_EXPORT_PROGRAM = "RM"


def is_valid_bn9(value: str) -> bool:
    """Nine digits whose Luhn sum is a multiple of ten."""
    if not isinstance(value, str) or len(value) != 9 or not value.isascii() or not value.isdigit():
        return False
    total = 0
    for position, char in enumerate(value):
        digit = int(char)
        if position % 2 == 1:  # every second digit, from the left, is doubled
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def bn9_with_check_digit(first_eight: str) -> str:
    """The BN9 that eight digits begin: the ninth is the Luhn digit that completes them."""
    if not (len(first_eight) == 8 and first_eight.isascii() and first_eight.isdigit()):
        raise ValueError(f"Eight digits are needed, not {first_eight!r}.")
    return next(
        candidate
        for candidate in (first_eight + digit for digit in "0123456789")
        if is_valid_bn9(candidate)
    )


def normalize_bn9(value: str) -> str:
    """The BN9 without spaces; ValueError with a clear message if it is not one."""
    compact = re.sub(r"\s+", "", value or "")
    if not re.fullmatch(r"\d{9}", compact):
        raise IdentifierError(
            "bn9_format", "A business number has 9 digits, for example 123456782."
        )
    if not is_valid_bn9(compact):
        raise IdentifierError(
            "bn9_check_digit", "This business number is not valid: check its last digit."
        )
    return compact


def normalize_program_account(value: str) -> str:
    """The canonical BN15 (e.g. 123456782RM0001); ValueError with a clear message otherwise."""
    compact = re.sub(r"\s+", "", value or "").upper()
    match = PROGRAM_ACCOUNT.fullmatch(compact)
    if match is None:
        raise IdentifierError(
            "bn15_format",
            "A program account number has 15 characters: the 9-digit business number, "
            "2 letters and 4 digits, for example 123456782RM0001.",
        )
    if not is_valid_bn9(match.group(1)):
        raise IdentifierError(
            "bn15_check_digit",
            "The business number in this program account number is not valid: check its 9th digit.",
        )
    return compact


def format_program_account(bn15: str) -> str:
    """For display: 123456782 RM 0001."""
    return f"{bn15[:9]} {bn15[9:11]} {bn15[11:]}"
