"""Standard 005 debit and returns files (financial/cpa005.py, pure: no database).

Slices are 0-based and end-exclusive: positions 25–27 of the standard are [24:27].
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from financial.cpa005 import (
    MAX_AMOUNT,
    MAX_ITEMS,
    RETURN_REASONS,
    Cpa005Error,
    Debit,
    FileHeader,
    ParsedFile,
    ReturnedDebit,
    read_debit_file,
    read_returns_file,
    write_debit_file,
    write_returns_file,
)

HEADER = FileHeader(
    originator_id="0999999999",
    file_creation_number=13,
    creation_date=date(2026, 2, 3),
    destination_data_centre="01600",
    originator_short_name="CBSA ASFC",
    originator_long_name="Canada Border Services Agency",
    return_institution="001",
    return_transit="55555",
    return_account="7777777",
)
DEBIT = Debit(
    amount=Decimal("1234.56"),
    due_date=date(2026, 2, 10),
    institution="003",
    transit="12345",
    account="1234567",
    payor_name="Maple Leaf Imports Inc.",
    cross_reference="PAD-2026-000001",
    sundry="RM0001",
)


def debit(number: int, amount: str = "10.00") -> Debit:
    return Debit(
        amount=Decimal(amount),
        due_date=date(2026, 2, 10),
        institution="003",
        transit="12345",
        account=str(1000 + number),
        payor_name=f"Payor {number}",
        cross_reference=f"PAD-{number:06d}",
    )


def records(text: str) -> list[str]:
    assert text.endswith("\r\n")
    return text.removesuffix("\r\n").split("\r\n")


# --- Writing: positions --------------------------------------------------------------


def test_header_record_positions():
    header = records(write_debit_file(HEADER, [DEBIT]))[0]
    assert header[0] == "A"
    assert header[1:10] == "000000001"
    assert header[10:20] == "0999999999"
    assert header[20:24] == "0013"
    assert header[24:30] == "026034"  # 3 February 2026: day 34
    assert header[30:35] == "01600"
    assert header[35:55] == " " * 20
    assert header[55:58] == "CAD"
    assert header[58:] == " " * 1406


def test_debit_record_positions_field_by_field():
    record = records(write_debit_file(HEADER, [DEBIT]))[1]
    assert record[0] == "D"
    assert record[1:10] == "000000002"
    assert record[10:20] == "0999999999"
    assert record[20:24] == "0013"
    # Segment 1: positions 25–264.
    assert record[24:27] == "380"  # transaction type: taxes
    assert record[27:37] == "0000123456"  # $1,234.56 in cents
    assert record[37:43] == "026041"  # 10 February 2026
    assert record[43:52] == "000312345"  # 0 + institution 003 + transit 12345
    assert record[52:64] == "1234567     "
    assert record[64:86] == "0" * 22  # item trace number
    assert record[86:89] == "000"  # stored transaction type
    assert record[89:104] == "CBSA ASFC      "
    assert record[104:134] == "MAPLE LEAF IMPORTS INC.".ljust(30)
    assert record[134:164] == "CANADA BORDER SERVICES AGENCY "
    assert record[164:174] == "0999999999"  # originating direct clearer's user ID
    assert record[174:193] == "PAD-2026-000001    "
    assert record[193:202] == "000155555"  # returns: 0 + 001 + 55555
    assert record[202:214] == "7777777     "
    assert record[214:229] == "RM0001         "  # sundry information
    assert record[229:251] == " " * 22
    assert record[251:253] == "  "  # settlement code
    assert record[253:264] == "0" * 11  # invalid data element ID
    # Segments 2 to 6 are unused.
    assert record[264:] == " " * 1200


def test_a_second_debit_fills_segment_two():
    record = records(write_debit_file(HEADER, [debit(1, "1.00"), debit(2, "2.50")]))[1]
    assert record[264:267] == "380"
    assert record[267:277] == "0000000250"
    assert record[414:433] == "PAD-000002         "  # 264 + 150 .. 264 + 169
    assert record[504:] == " " * 960


def test_every_record_is_1464_characters_ended_by_crlf():
    text = write_debit_file(HEADER, [debit(n) for n in range(13)])
    assert text.count("\r\n") == 5
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(record) == 1464 for record in records(text))
    assert text.isascii()
    assert text == text.upper()


def test_record_counts_and_six_debits_to_a_record():
    lines = records(write_debit_file(HEADER, [debit(n) for n in range(13)]))
    assert [line[0] for line in lines] == ["A", "D", "D", "D", "Z"]
    assert [line[1:10] for line in lines] == [f"{n:09d}" for n in range(1, 6)]
    assert all(line[10:24] == "09999999990013" for line in lines)
    last_debits = lines[3]
    assert last_debits[24:27] == "380"
    assert last_debits[264:] == " " * 1200  # 13 = 6 + 6 + 1


def test_trailer_totals():
    trailer = records(write_debit_file(HEADER, [debit(n, "100.25") for n in range(7)]))[-1]
    assert trailer[0] == "Z"
    assert trailer[1:10] == "000000004"  # A, two D records, Z
    assert trailer[10:24] == "09999999990013"
    assert trailer[24:38] == "00000000070175"  # 7 × $100.25
    assert trailer[38:46] == "00000007"  # debits, not records
    assert trailer[46:60] == "0" * 14  # credits
    assert trailer[60:68] == "0" * 8
    assert trailer[68:112] == "0" * 44  # error corrections E and F
    assert trailer[112:] == " " * 1352


@pytest.mark.parametrize(
    ("day", "julian"),
    [
        (date(2026, 1, 1), "026001"),
        (date(2026, 2, 3), "026034"),
        (date(2024, 2, 29), "024060"),
        (date(2024, 12, 31), "024366"),  # a leap year's last day
        (date(2023, 12, 31), "023365"),
        (date(2000, 1, 1), "000001"),
        (date(2099, 12, 31), "099365"),
    ],
)
def test_julian_dates(day, julian):
    header = replace(HEADER, creation_date=day)
    text = write_debit_file(header, [replace(DEBIT, due_date=day)])
    lines = records(text)
    assert lines[0][24:30] == julian
    assert lines[1][37:43] == julian
    parsed = read_debit_file(text)
    assert parsed.header.creation_date == day
    assert parsed.debits[0].due_date == day


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("Élise Côté-Tremblay", "ELISE COTE-TREMBLAY"),
        ("Société québécoise d’œuvres", "SOCIETE QUEBECOISE D'OEUVRES"),
        ("Große Straße GmbH", "GROSSE STRASSE GMBH"),
        ("Ørsted & Søn", "ORSTED & SON"),
        ("  Two   spaces\tand a tab ", "TWO SPACES AND A TAB"),
        ("Ｆｕｌｌ ｗｉｄｔｈ", "FULL WIDTH"),
        ("Name (with) #symbols!", "NAME WITH SYMBOLS"),
        ("Import 北京 Ltd", "IMPORT LTD"),
        ("A" * 29 + " B", "A" * 29),  # cut to 30, the trailing space dropped
    ],
)
def test_names_are_transliterated_to_capital_ascii(written, name):
    payor = replace(DEBIT, payor_name=written)
    assert payor.payor_name == name
    record = records(write_debit_file(HEADER, [payor]))[1]
    assert record[104:134] == name.ljust(30)


def test_short_and_long_names_are_cut_to_their_widths():
    header = replace(
        HEADER,
        originator_short_name="Agence des services frontaliers",
        originator_long_name="Agence des services frontaliers du Canada",
    )
    assert header.originator_short_name == "AGENCE DES SERV"
    assert header.originator_long_name == "AGENCE DES SERVICES FRONTALIER"


# --- Writing: what cannot be encoded -------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", Decimal("0.00")),
        ("amount", Decimal("-5.00")),
        ("amount", Decimal("100000000.00")),  # one cent over 99,999,999.99
        ("amount", Decimal("10.005")),
        ("amount", Decimal("NaN")),
        ("amount", Decimal("Infinity")),
        ("amount", 10.5),
        ("amount", 1000),
        ("amount", "10.00"),
        ("due_date", datetime(2026, 2, 10, 9, 0)),
        ("due_date", date(1999, 12, 31)),
        ("due_date", date(2100, 1, 1)),
        ("due_date", "2026-02-10"),
        ("institution", "03"),
        ("institution", "0003"),
        ("institution", "0a3"),
        ("institution", "١٢٣"),  # digits, but not ASCII ones
        ("transit", "1234"),
        ("transit", "123456"),
        ("transit", "12 45"),
        ("account", ""),
        ("account", "1234567890123"),
        ("account", "123-456"),
        ("account", 1234567),
        ("payor_name", ""),
        ("payor_name", "北京"),
        ("payor_name", None),
        ("cross_reference", ""),
        ("cross_reference", "pad-2026-000001"),
        ("cross_reference", "PAD 2026"),
        ("cross_reference", "P" * 20),
        ("transaction_code", "38"),
        ("transaction_code", 380),
    ],
)
def test_a_debit_that_cannot_be_written_is_refused(field, value):
    with pytest.raises(Cpa005Error) as refused:
        replace(DEBIT, **{field: value})
    assert refused.value.field == field
    assert field in str(refused.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("originator_id", ""),
        ("originator_id", "09999999999"),
        ("originator_id", "abc"),
        ("file_creation_number", 0),
        ("file_creation_number", 10000),
        ("file_creation_number", True),
        ("file_creation_number", "13"),
        ("creation_date", date(1999, 1, 1)),
        ("destination_data_centre", "1600"),
        ("originator_short_name", "   "),
        ("originator_long_name", "北京"),
        ("return_institution", "1"),
        ("return_transit", "5555"),
        ("return_account", "77777777777777"),
    ],
)
def test_a_header_that_cannot_be_written_is_refused(field, value):
    with pytest.raises(Cpa005Error) as refused:
        replace(HEADER, **{field: value})
    assert refused.value.field == field


def test_an_amount_of_exactly_the_largest_is_written():
    largest = replace(DEBIT, amount=MAX_AMOUNT)
    assert records(write_debit_file(HEADER, [largest]))[1][27:37] == "9999999999"


def test_whole_dollars_are_written_with_their_cents():
    whole = replace(DEBIT, amount=Decimal("75"))
    assert whole.amount == Decimal("75.00")
    assert records(write_debit_file(HEADER, [whole]))[1][27:37] == "0000007500"


def test_a_file_without_debits_is_refused():
    with pytest.raises(Cpa005Error, match="at least one debit"):
        write_debit_file(HEADER, [])


def test_only_debits_are_written():
    with pytest.raises(Cpa005Error, match="Item 2 is not a Debit"):
        write_debit_file(HEADER, [DEBIT, {"amount": Decimal("1.00")}])


def test_a_total_over_fourteen_digits_is_refused():
    # 10,001 × 99,999,999.99 is more than the trailer's 999,999,999,999.99.
    largest = replace(DEBIT, amount=MAX_AMOUNT)
    with pytest.raises(Cpa005Error, match="more than the trailer holds"):
        write_debit_file(HEADER, [largest] * 10_001)


class Endless(Sequence):
    """More debits than the trailer's 8-digit count, without holding them."""

    def __len__(self) -> int:
        return MAX_ITEMS + 1

    def __getitem__(self, index):
        raise AssertionError("the count is checked before any debit is read")


def test_more_debits_than_the_count_holds_are_refused():
    with pytest.raises(Cpa005Error, match="at most 99,999,999 transactions"):
        write_debit_file(HEADER, Endless())


# --- Reading -------------------------------------------------------------------------


def test_reading_a_file_gives_back_what_was_written():
    debits = [DEBIT, *(debit(n) for n in range(7))]
    parsed = read_debit_file(write_debit_file(HEADER, debits))
    assert parsed == ParsedFile(
        header=HEADER,
        debits=tuple(debits),
        debit_total=Decimal("1304.56"),
        debit_count=8,
    )


def corrupt(text: str, record: int, start: int, replacement: str) -> str:
    """`text` with `replacement` written at 0-based `start` of the 1-based `record`."""
    lines = records(text)
    line = lines[record - 1]
    lines[record - 1] = line[:start] + replacement + line[start + len(replacement) :]
    return "\r\n".join(lines) + "\r\n"


def test_a_corrupted_trailer_total_is_refused_naming_the_record():
    text = write_debit_file(HEADER, [debit(n) for n in range(7)])  # A, D, D, Z
    tampered = corrupt(text, 4, 24, "00000000007001")
    with pytest.raises(Cpa005Error) as refused:
        read_debit_file(tampered)
    assert refused.value.record == 4
    assert refused.value.field == "debit_total"
    assert str(refused.value).startswith("Record 4: ")
    assert "70.01" in str(refused.value) and "70.00" in str(refused.value)


@pytest.mark.parametrize(
    ("record", "start", "replacement", "field"),
    [
        (4, 38, "00000006", "debit_count"),  # the trailer counts one debit fewer
        (4, 46, "00000000000100", "credit_total"),
        (4, 68, "00000000000100", "e_total"),
        (4, 1, "000000005", "record_count"),
        (3, 1, "000000002", "record_count"),  # out of sequence
        (2, 0, "C", "record_type"),
        (4, 0, "D", "record_type"),  # the file ends without a trailer
        (3, 10, "1234567890", "originator_id"),
        (2, 20, "0014", "originator_id"),  # another file's creation number
        (2, 27, "0000000000", "amount"),  # a debit of zero
        (2, 27, "00000001x0", "amount"),
        (2, 37, "023366", "due_date"),  # 2023 has 365 days
        (2, 43, "100312345", "institution"),
        (2, 52, "12345X      ", "account"),
        (3, 89, "ANOTHER AGENCY ", "originator_short_name"),
        (2, 164, "1111111111", "user_id"),
        (1, 55, "USD", "currency"),
        (1, 24, "026400", "creation_date"),
    ],
)
def test_a_file_that_does_not_hold_together_is_refused_naming_the_record(
    record, start, replacement, field
):
    text = write_debit_file(HEADER, [debit(n) for n in range(7)])
    with pytest.raises(Cpa005Error) as refused:
        read_debit_file(corrupt(text, record, start, replacement))
    assert (refused.value.record, refused.value.field) == (record, field)


def test_a_blank_segment_before_a_used_one_is_refused():
    text = write_debit_file(HEADER, [debit(n) for n in range(3)])
    lines = records(text)
    lines[1] = lines[1][:264] + " " * 240 + lines[1][504:]
    with pytest.raises(Cpa005Error, match="Record 2: segment 3 follows a blank segment"):
        read_debit_file("\r\n".join(lines) + "\r\n")


def test_a_record_of_the_wrong_length_is_refused():
    text = write_debit_file(HEADER, [DEBIT])
    lines = records(text)
    lines[1] = lines[1][:-1]
    with pytest.raises(Cpa005Error, match="Record 2: 1463 characters long, not 1464"):
        read_debit_file("\r\n".join(lines) + "\r\n")


def test_records_separated_by_line_feeds_alone_are_refused():
    text = write_debit_file(HEADER, [DEBIT]).replace("\r\n", "\n")
    with pytest.raises(Cpa005Error, match=r"Record 1: .*records end with CR LF"):
        read_debit_file(text)


def test_a_file_read_without_its_final_crlf_is_the_same_file():
    text = write_debit_file(HEADER, [DEBIT])
    assert read_debit_file(text.removesuffix("\r\n")) == read_debit_file(text)


def test_characters_other_than_ascii_are_refused():
    text = corrupt(write_debit_file(HEADER, [DEBIT]), 2, 104, "É")
    with pytest.raises(Cpa005Error, match="Record 2: holds characters other than printable"):
        read_debit_file(text)


@pytest.mark.parametrize("text", ["", "\r\n", "A" * 1464 + "\r\n"])
def test_a_file_without_header_and_trailer_is_refused(text):
    with pytest.raises(Cpa005Error, match=r"header \(A\) and a trailer \(Z\)"):
        read_debit_file(text)


def test_a_debit_file_without_debits_is_refused_when_read():
    header_and_trailer = write_returns_file(HEADER, [])
    with pytest.raises(Cpa005Error, match="Record 2: The file holds no debits"):
        read_debit_file(header_and_trailer)


# --- Round trip ----------------------------------------------------------------------

digits = st.from_regex(r"[0-9]{1,12}", fullmatch=True)
# Anything a person may type, with at least one letter that survives transliteration.
names = st.tuples(st.sampled_from("AÉœz"), st.text(max_size=40)).map("".join)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
headers = st.builds(
    FileHeader,
    originator_id=st.from_regex(r"[A-Z0-9]{1,10}", fullmatch=True),
    file_creation_number=st.integers(1, 9999),
    creation_date=days,
    destination_data_centre=st.from_regex(r"[0-9]{5}", fullmatch=True),
    originator_short_name=names,
    originator_long_name=names,
    return_institution=st.from_regex(r"[0-9]{3}", fullmatch=True),
    return_transit=st.from_regex(r"[0-9]{5}", fullmatch=True),
    return_account=digits,
)
debits = st.builds(
    Debit,
    amount=st.decimals(min_value=Decimal("0.01"), max_value=MAX_AMOUNT, places=2),
    due_date=days,
    institution=st.from_regex(r"[0-9]{3}", fullmatch=True),
    transit=st.from_regex(r"[0-9]{5}", fullmatch=True),
    account=digits,
    payor_name=names,
    cross_reference=st.from_regex(r"[A-Z0-9-]{1,19}", fullmatch=True),
    sundry=st.text(max_size=20),
    transaction_code=st.sampled_from(["380", "450", "381"]),
)


@given(header=headers, items=st.lists(debits, min_size=1, max_size=14))
def test_reading_what_was_written_gives_it_back(header, items):
    text = write_debit_file(header, items)
    assert all(len(record) == 1464 for record in records(text))
    parsed = read_debit_file(text)
    assert parsed.header == header
    assert parsed.debits == tuple(items)
    assert parsed.debit_count == len(items)
    assert parsed.debit_total == sum(item.amount for item in items)


@given(
    header=headers,
    items=st.lists(
        st.builds(
            ReturnedDebit,
            debit=debits,
            reason_code=st.sampled_from(sorted(RETURN_REASONS)),
            item_trace_number=st.from_regex(r"[0-9]{22}", fullmatch=True),
        ),
        max_size=8,
    ),
)
def test_reading_returns_gives_back_what_was_written(header, items):
    assert read_returns_file(write_returns_file(header, items)) == items


# --- Returns -------------------------------------------------------------------------


def test_a_returned_debit_carries_the_reason_and_the_original_transaction_type():
    returned = ReturnedDebit(debit=DEBIT, reason_code="901", item_trace_number="1" * 22)
    lines = records(write_returns_file(HEADER, [returned]))
    assert [line[0] for line in lines] == ["A", "J", "Z"]
    assert lines[1][24:27] == "901"  # the reason for return
    assert lines[1][64:86] == "1" * 22  # the original item's trace number
    assert lines[1][86:89] == "380"  # the original transaction type
    assert lines[1][174:193] == "PAD-2026-000001    "
    assert lines[2][24:38] == "00000000123456"
    assert lines[2][38:46] == "00000001"


def test_the_portal_matches_a_return_by_its_cross_reference():
    returned = read_returns_file(
        write_returns_file(
            HEADER,
            [ReturnedDebit(debit=DEBIT, reason_code="905"), ReturnedDebit(debit(2), "901")],
        )
    )
    assert [(item.cross_reference, item.reason_code) for item in returned] == [
        ("PAD-2026-000001", "905"),
        ("PAD-000002", "901"),
    ]
    assert returned[0].amount == Decimal("1234.56")
    assert returned[0].due_date == date(2026, 2, 10)
    assert RETURN_REASONS[returned[0].reason_code] == "Account closed"


def test_a_returns_file_without_returns_is_an_empty_list():
    assert read_returns_file(write_returns_file(HEADER, [])) == []


def test_a_debit_file_is_not_a_returns_file():
    with pytest.raises(Cpa005Error, match="Record 2: a record of type 'D' where type J"):
        read_returns_file(write_debit_file(HEADER, [DEBIT]))


def test_a_returns_file_with_a_wrong_total_is_refused():
    text = write_returns_file(HEADER, [ReturnedDebit(debit=DEBIT, reason_code="901")])
    with pytest.raises(Cpa005Error) as refused:
        read_returns_file(corrupt(text, 3, 38, "00000002"))
    assert (refused.value.record, refused.value.field) == (3, "debit_count")


@pytest.mark.parametrize("reason", ["", "91", "801", "9011", 901])
def test_a_reason_for_return_is_three_digits_of_the_900s(reason):
    with pytest.raises(Cpa005Error) as refused:
        ReturnedDebit(debit=DEBIT, reason_code=reason)
    assert refused.value.field == "reason_code"


def test_the_reasons_for_return_of_rule_h1():
    assert all(len(code) == 3 and code.startswith("9") for code in RETURN_REASONS)
    assert RETURN_REASONS["901"] == "NSF (debit only)"
    # The pre-authorized debit disputes of Rule H1, personal and business.
    for code in ("915", "916", "917", "918", "919", "920", "921"):
        assert code in RETURN_REASONS
