"""Business numbers and program account numbers (accounts/identifiers.py, pure)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.identifiers import (
    IdentifierError,
    format_program_account,
    is_valid_bn9,
    normalize_bn9,
    normalize_program_account,
)
from tests.support import with_check_digit


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("119219814", True),  # the example of docs/rules.md §1
        ("119219815", False),  # the same with a wrong check digit
        ("123456782", True),  # Maple Leaf Imports
        ("876543216", True),  # Prairie Goods
        ("555123454", True),  # Northern Customs Brokers
        ("777888991", True),  # True North Surety
        ("123456789", False),
        ("000000000", True),
        ("12345678", False),  # eight digits
        ("1234567820", False),  # ten digits
        ("12345678a", False),
        ("１２３４５６７８２", False),  # full-width digits are not ASCII
        ("", False),
        (" 123456782", False),
    ],
)
def test_is_valid_bn9(value, valid):
    assert is_valid_bn9(value) is valid


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("123456782RM0001", "123456782RM0001"),
        ("123456782 RM 0001", "123456782RM0001"),
        ("123456782rm0001", "123456782RM0001"),
        ("  123 456 782 rm 0002 ", "123456782RM0002"),
    ],
)
def test_normalize_program_account_accepts_the_usual_spellings(value, canonical):
    assert normalize_program_account(value) == canonical


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("123456782RM001", "bn15_format"),  # three-digit reference
        ("123456782-RM-0001", "bn15_format"),
        ("123456782R10001", "bn15_format"),
        ("12345678RM00011", "bn15_format"),
        ("", "bn15_format"),
        ("123456789RM0001", "bn15_check_digit"),  # BN9 fails its check digit
    ],
)
def test_normalize_program_account_refuses_everything_else(value, code):
    with pytest.raises(IdentifierError) as error:
        normalize_program_account(value)
    assert error.value.code == code
    assert isinstance(error.value, ValueError)  # the contract: a ValueError
    assert "123456782RM0001" in str(error.value) or "9th digit" in str(error.value)


def test_normalize_bn9():
    assert normalize_bn9(" 123 456 782 ") == "123456782"
    with pytest.raises(IdentifierError, match="9 digits"):
        normalize_bn9("12345")
    with pytest.raises(IdentifierError, match="last digit"):
        normalize_bn9("123456789")


def test_format_program_account():
    assert format_program_account("123456782RM0001") == "123456782 RM 0001"


bn9s = st.from_regex(r"[0-9]{8}", fullmatch=True).map(with_check_digit)
bn15s = st.tuples(
    bn9s, st.from_regex(r"[A-Z]{2}", fullmatch=True), st.from_regex(r"[0-9]{4}", fullmatch=True)
).map("".join)


@given(bn15s)
def test_every_valid_bn15_normalizes_to_itself(bn15):
    assert normalize_program_account(bn15) == bn15


@given(bn15s)
def test_spaces_and_case_do_not_matter(bn15):
    spaced = f" {bn15[:9]} {bn15[9:11].lower()} {bn15[11:]} "
    assert normalize_program_account(spaced) == bn15


@given(bn9s, st.integers(min_value=1, max_value=9))
def test_changing_the_check_digit_breaks_a_bn9(bn9, delta):
    broken = bn9[:8] + str((int(bn9[8]) + delta) % 10)
    assert not is_valid_bn9(broken)
