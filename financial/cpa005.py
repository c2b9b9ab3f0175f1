"""Pre-authorized debit files in Payments Canada's Standard 005 (pure: no Django).

Standard 005, *Standards for the Exchange of Financial Data on AFT Files*, is the
1464-character "CPA 005" format Canadian banks take for automated funds transfers. The
portal writes one file of debits (logical records A, D… and Z) and reads back the bank's
returns (A, J… and Z). docs/cpa005.md says where each position comes from and what is
left out (credits, error corrections E/F, returned credits I).

Every record is 1464 characters, uppercase ASCII, ended by CR LF. Positions are 1-based,
as the standard and the banks' specifications number them; in Python the field at
positions 25–27 is `record[24:27]`.

Header, logical record A (one, first)

    1        record type "A"
    2–10     record count, 000000001
    11–20    originator ID (bank-assigned), left-justified
    21–24    file creation number, 0001–9999
    25–30    creation date, 0YYDDD
    31–35    destination data centre
    36–55    customer–direct clearer communication area, blank
    56–58    currency "CAD"
    59–1464  blank

Debits, logical records D (returned debits J: the same layout)

    1        record type "D" ("J")
    2–10     record count: this record's place in the file (A is 1)
    11–20    originator ID
    21–24    file creation number
    25–264   segment 1; then 265–504, 505–744, 745–984, 985–1224, 1225–1464:
             segments 2 to 6, one transaction each; unused segments are blank

A segment (positions within it; add 24 for segment 1: its amount is at 28–37)

    1–3      transaction type: 380 "Taxes" (J: the reason for return, 901…)
    4–13     amount in cents, zero-filled
    14–19    due date, 0YYDDD
    20–28    payor's institution: "0" + institution (3) + transit (5)
    29–40    payor's account number, left-justified
    41–62    item trace number: zeros (J: the original item's trace number)
    63–65    stored transaction type: zeros (J: the original transaction type)
    66–80    originator's short name
    81–110   payor's name
    111–140  originator's long name
    141–150  originating direct clearer's user ID: the originator ID
    151–169  originator's cross reference number: the portal's own debit reference
    170–178  institution for returns: "0" + institution + transit
    179–190  account for returns, left-justified
    191–205  originator's sundry information
    206–227  blank
    228–229  originator–direct clearer settlement code, blank
    230–240  invalid data element ID, zeros

Trailer, logical record Z (one, last)

    1        record type "Z"
    2–10     record count: the number of records in the file
    11–20    originator ID
    21–24    file creation number
    25–38    total value of debits (of returned debits in a returns file), in cents
    39–46    total number of debits (transactions, not records)
    47–60    total value of credits: zeros
    61–68    total number of credits: zeros
    69–112   values and numbers of error corrections E and F: zeros
    113–1464 blank

Dates are 0YYDDD: a zero, the year's last two digits and the day of the year, so only
2000–2099 can be written. Names are transliterated to ASCII (É → E, œ → OE), written in
capitals, and cut to their width; references and bank numbers are never altered, only
accepted or refused. Anything that cannot be written raises `Cpa005Error`, which says
which field and, when reading, which record.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from financial.calculation import CENT

RECORD_LENGTH = 1464
NEWLINE = "\r\n"
CURRENCY = "CAD"
SEGMENTS_PER_RECORD = 6
SEGMENT_LENGTH = 240
PREFIX_LENGTH = 24  # record type, record count, originator ID, file creation number

# Standard 007's code for taxes: what the portal collects is duties and taxes owed to the
# Crown, and the payor's statement should say so rather than "miscellaneous payments" (450).
TAXES = "380"

MAX_AMOUNT = Decimal("99999999.99")  # 10 digits of cents
MAX_TOTAL = Decimal("999999999999.99")  # the trailer's 14 digits
MAX_ITEMS = 99_999_999  # the trailer's 8-digit count of transactions

# The reasons for return of Payments Canada's Rule H1 and Standard 005, as banks report
# them. English only: the portal translates them where it shows them.
RETURN_REASONS: dict[str, str] = {
    "900": "Edit reject",
    "901": "NSF (debit only)",
    "902": "Account not found",
    "903": "Payment stopped/recalled",
    "904": "Post/stale dated",
    "905": "Account closed",
    "907": "No debit allowed",
    "908": "Funds not cleared",
    "909": "Currency/account mismatch",
    "910": "Payor/payee deceased",
    "911": "Account frozen",
    "912": "Invalid/incorrect account number",
    "914": "Incorrect payor/payee name",
    "915": "No agreement existed (refused by payor)",
    "916": "Not in accordance with agreement (personal)",
    "917": "Agreement revoked (personal)",
    "918": "No confirmation/pre-notification (personal)",
    "919": "Not in accordance with agreement (business)",
    "920": "Agreement revoked (business)",
    "921": "No confirmation/pre-notification (business)",
    "922": "Customer initiated return (credit only)",
    "990": "Institution in default",
}


class Cpa005Error(ValueError):
    """What cannot be written in, or read from, a Standard 005 file.

    `field` names the offending field (an attribute of the dataclasses below, or a part
    of a record); `record` is the 1-based record number when a file is read."""

    def __init__(self, message: str, *, field: str | None = None, record: int | None = None):
        self.message = message
        self.field = field
        self.record = record
        super().__init__(f"Record {record}: {message}" if record else message)

    def at(self, record: int) -> "Cpa005Error":
        return Cpa005Error(self.message, field=self.field, record=record)


# --- Layouts -------------------------------------------------------------------------


class _Field(NamedTuple):
    name: str
    start: int  # 1-based, as Standard 005 numbers positions
    length: int

    def read(self, text: str, offset: int = 0) -> str:
        first = offset + self.start - 1
        return text[first : first + self.length]


HEADER_FIELDS = (
    _Field("record_type", 1, 1),
    _Field("record_count", 2, 9),
    _Field("originator_id", 11, 10),
    _Field("file_creation_number", 21, 4),
    _Field("creation_date", 25, 6),
    _Field("destination_data_centre", 31, 5),
    _Field("communication_area", 36, 20),
    _Field("currency", 56, 3),
    _Field("filler", 59, 1406),
)

SEGMENT_FIELDS = (
    _Field("transaction_type", 1, 3),
    _Field("amount", 4, 10),
    _Field("due_date", 14, 6),
    _Field("institution_id", 20, 9),
    _Field("account", 29, 12),
    _Field("item_trace_number", 41, 22),
    _Field("stored_transaction_type", 63, 3),
    _Field("originator_short_name", 66, 15),
    _Field("payor_name", 81, 30),
    _Field("originator_long_name", 111, 30),
    _Field("user_id", 141, 10),
    _Field("cross_reference", 151, 19),
    _Field("return_institution_id", 170, 9),
    _Field("return_account", 179, 12),
    _Field("sundry", 191, 15),
    _Field("filler", 206, 22),
    _Field("settlement_code", 228, 2),
    _Field("invalid_data_element", 230, 11),
)

TRAILER_FIELDS = (
    _Field("record_type", 1, 1),
    _Field("record_count", 2, 9),
    _Field("originator_id", 11, 10),
    _Field("file_creation_number", 21, 4),
    _Field("debit_total", 25, 14),
    _Field("debit_count", 39, 8),
    _Field("credit_total", 47, 14),
    _Field("credit_count", 61, 8),
    _Field("e_total", 69, 14),
    _Field("e_count", 83, 8),
    _Field("f_total", 91, 14),
    _Field("f_count", 105, 8),
    _Field("filler", 113, 1352),
)


def _join(fields: tuple[_Field, ...], values: dict[str, str]) -> str:
    """The fields' values side by side; each must fill its field exactly."""
    position = 1
    for field in fields:
        assert field.start == position and len(values[field.name]) == field.length, field
        position += field.length
    return "".join(values[field.name] for field in fields)


def _fields(fields: tuple[_Field, ...], text: str, offset: int = 0) -> dict[str, str]:
    return {field.name: field.read(text, offset) for field in fields}


# --- Values --------------------------------------------------------------------------

# What Unicode's decomposition leaves alone but a name still needs.
_SPELLED_OUT = str.maketrans(
    {"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss", "Ø": "O", "ø": "o"}
    | {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "’": "'", "‘": "'", "–": "-", "—": "-"}
)
# Letters, digits, the space and the punctuation of names and addresses; anything else
# becomes a space, since banks differ on the rest.
_NOT_WRITTEN = re.compile(r"[^A-Z0-9 \-.,'&/]")


def _name(value: object, width: int, field: str, *, required: bool = True) -> str:
    """`value` in capital ASCII, single-spaced and cut to `width`."""
    if not isinstance(value, str):
        raise Cpa005Error(f"{field} must be text, not {value!r}.", field=field)
    decomposed = unicodedata.normalize("NFKD", value.translate(_SPELLED_OUT))
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").upper()
    words = _NOT_WRITTEN.sub(" ", ascii_text).split()
    written = " ".join(words)[:width].rstrip()
    if required and not written:
        raise Cpa005Error(f"{field} has nothing that can be written: {value!r}.", field=field)
    return written


def _matching(value: object, pattern: str, field: str, expected: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(pattern, value):
        raise Cpa005Error(f"{field} must be {expected}, not {value!r}.", field=field)
    return value


def _amount(value: object) -> Decimal:
    if not isinstance(value, Decimal):  # never a float, nor an int taken for cents
        raise Cpa005Error(f"amount must be a Decimal, not {value!r}.", field="amount")
    if not (value.is_finite() and Decimal("0") < value <= MAX_AMOUNT):
        raise Cpa005Error(
            f"amount must be more than 0.00 and at most {MAX_AMOUNT}, not {value}.", field="amount"
        )
    if value != value.quantize(CENT):
        raise Cpa005Error(f"amount must be in dollars and cents, not {value}.", field="amount")
    return value.quantize(CENT)


def _day(value: object, field: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise Cpa005Error(f"{field} must be a date, not {value!r}.", field=field)
    if not 2000 <= value.year <= 2099:
        raise Cpa005Error(f"{field} must fall in 2000–2099 (0YYDDD), not {value}.", field=field)
    return value


def _julian(day: date) -> str:
    return f"0{day.year % 100:02d}{day.timetuple().tm_yday:03d}"


def _from_julian(text: str, field: str) -> date:
    if not re.fullmatch(r"0[0-9]{5}", text):
        raise Cpa005Error(f"{field} must be a date as 0YYDDD, not {text!r}.", field=field)
    year, day_of_year = 2000 + int(text[1:3]), int(text[3:])
    days_in_year = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    if not 1 <= day_of_year <= days_in_year:
        raise Cpa005Error(f"{field}: {year} has no day {day_of_year} ({text}).", field=field)
    return date(year, 1, 1) + timedelta(days=day_of_year - 1)


def _digits(value: int, width: int, field: str) -> str:
    text = str(value)
    if value < 0 or len(text) > width:
        raise Cpa005Error(f"{field} {value} does not fit in {width} digits.", field=field)
    return text.zfill(width)


def _number(text: str, field: str) -> int:
    if not re.fullmatch(r"[0-9]+", text):
        raise Cpa005Error(f"{field} must be digits, not {text!r}.", field=field)
    return int(text)


def _cents(amount: Decimal) -> int:
    return int(amount.scaleb(2))


def _dollars(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


# --- What the files hold -------------------------------------------------------------


def _set(instance: object, name: str, value: object) -> None:
    """Store a normalized value on a frozen dataclass, from its own __post_init__."""
    object.__setattr__(instance, name, value)


def _bank_numbers(instance: object, institution: str, transit: str, account: str) -> None:
    _matching(getattr(instance, institution), r"[0-9]{3}", institution, "3 digits")
    _matching(getattr(instance, transit), r"[0-9]{5}", transit, "5 digits")
    _matching(getattr(instance, account), r"[0-9]{1,12}", account, "1 to 12 digits")


@dataclass(frozen=True)
class FileHeader:
    """What every item of one file shares: the A record, and the originator's names and
    account for returns, which Standard 005 repeats in every segment."""

    originator_id: str  # assigned by the originator's bank
    file_creation_number: int  # 1–9999, one more than the last file's
    creation_date: date
    destination_data_centre: str  # 5 digits, given by the bank
    originator_short_name: str  # 15 characters on the payor's statement
    originator_long_name: str  # 30
    return_institution: str  # where returned items go
    return_transit: str
    return_account: str

    def __post_init__(self) -> None:
        _matching(
            self.originator_id, r"[A-Z0-9]{1,10}", "originator_id", "1 to 10 capitals or digits"
        )
        number = self.file_creation_number
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 9999:
            raise Cpa005Error(
                f"file_creation_number must be 1 to 9999, not {number!r}.",
                field="file_creation_number",
            )
        _day(self.creation_date, "creation_date")
        _matching(self.destination_data_centre, r"[0-9]{5}", "destination_data_centre", "5 digits")
        for name, width in (("originator_short_name", 15), ("originator_long_name", 30)):
            _set(self, name, _name(getattr(self, name), width, name))
        _bank_numbers(self, "return_institution", "return_transit", "return_account")


@dataclass(frozen=True)
class Debit:
    """One pre-authorized debit: an amount taken from the payor's account on a due date."""

    amount: Decimal
    due_date: date
    institution: str  # 3 digits
    transit: str  # 5 digits
    account: str  # 1 to 12 digits
    payor_name: str  # transliterated, cut to 30 characters
    cross_reference: str  # the caller's own reference: 1 to 19 capitals, digits or hyphens
    sundry: str = ""  # transliterated, cut to 15 characters
    transaction_code: str = TAXES

    def __post_init__(self) -> None:
        _set(self, "amount", _amount(self.amount))
        _day(self.due_date, "due_date")
        _bank_numbers(self, "institution", "transit", "account")
        _set(self, "payor_name", _name(self.payor_name, 30, "payor_name"))
        _matching(
            self.cross_reference,
            r"[A-Z0-9-]{1,19}",
            "cross_reference",
            "1 to 19 capitals, digits or hyphens",
        )
        _set(self, "sundry", _name(self.sundry, 15, "sundry", required=False))
        _matching(self.transaction_code, r"[0-9]{3}", "transaction_code", "3 digits")


@dataclass(frozen=True)
class ReturnedDebit:
    """A debit the payor's bank sent back (logical record J), with the reason why."""

    debit: Debit  # as the portal sent it: its cross reference finds the portal's debit
    reason_code: str  # 900–999; the codes banks use are the keys of RETURN_REASONS
    item_trace_number: str = "0" * 22  # the clearer's trace number of the original item

    def __post_init__(self) -> None:
        if not isinstance(self.debit, Debit):
            raise Cpa005Error(f"debit must be a Debit, not {self.debit!r}.", field="debit")
        _matching(self.reason_code, r"9[0-9][0-9]", "reason_code", "3 digits from 900 to 999")
        _matching(self.item_trace_number, r"[0-9]{22}", "item_trace_number", "22 digits")

    @property
    def cross_reference(self) -> str:
        return self.debit.cross_reference

    @property
    def amount(self) -> Decimal:
        return self.debit.amount

    @property
    def due_date(self) -> date:
        return self.debit.due_date


@dataclass(frozen=True)
class ParsedFile:
    """A debit file read back: its header, its debits in file order, the trailer's totals."""

    header: FileHeader
    debits: tuple[Debit, ...]
    debit_total: Decimal
    debit_count: int


# --- Writing -------------------------------------------------------------------------


def write_debit_file(header: FileHeader, debits: Sequence[Debit]) -> str:
    """The Standard 005 file (A, D…, Z, each record ended by CR LF) that asks the bank to
    take each debit from its payor's account on its due date."""
    items = _checked_items(debits, Debit, "debits")
    if not items:
        raise Cpa005Error("A debit file needs at least one debit.", field="debits")
    total = _total([debit.amount for debit in items])
    segments = [_segment(header, debit, debit.transaction_code, "0" * 22, "000") for debit in items]
    return _file(header, "D", segments, total)


def write_returns_file(header: FileHeader, returns: Sequence[ReturnedDebit]) -> str:
    """A bank's returns file (A, J…, Z) for debits of `header`'s originator: what the
    demo and the tests hand the portal in place of a real bank's."""
    items = _checked_items(returns, ReturnedDebit, "returns")
    total = _total([item.amount for item in items])
    segments = [
        _segment(
            header,
            item.debit,
            item.reason_code,
            item.item_trace_number,
            item.debit.transaction_code,
        )
        for item in items
    ]
    return _file(header, "J", segments, total)


def _checked_items(items: Sequence, kind: type, field: str) -> list:
    # The count first: a sequence too long for the trailer is refused before it is read.
    if len(items) > MAX_ITEMS:
        raise Cpa005Error(
            f"A file holds at most {MAX_ITEMS:,} transactions, not {len(items):,}.", field=field
        )
    for position, item in enumerate(items, start=1):
        if not isinstance(item, kind):
            raise Cpa005Error(f"Item {position} is not a {kind.__name__}.", field=field)
    return list(items)


def _segment(
    header: FileHeader, debit: Debit, transaction_type: str, trace: str, stored_type: str
) -> str:
    return _join(
        SEGMENT_FIELDS,
        {
            "transaction_type": transaction_type,
            "amount": _digits(_cents(debit.amount), 10, "amount"),
            "due_date": _julian(debit.due_date),
            "institution_id": "0" + debit.institution + debit.transit,
            "account": debit.account.ljust(12),
            "item_trace_number": trace,
            "stored_transaction_type": stored_type,
            "originator_short_name": header.originator_short_name.ljust(15),
            "payor_name": debit.payor_name.ljust(30),
            "originator_long_name": header.originator_long_name.ljust(30),
            "user_id": header.originator_id.ljust(10),
            "cross_reference": debit.cross_reference.ljust(19),
            "return_institution_id": "0" + header.return_institution + header.return_transit,
            "return_account": header.return_account.ljust(12),
            "sundry": debit.sundry.ljust(15),
            "filler": " " * 22,
            "settlement_code": " " * 2,
            "invalid_data_element": "0" * 11,
        },
    )


def _total(amounts: list[Decimal]) -> Decimal:
    total = sum(amounts, Decimal("0.00"))
    if total > MAX_TOTAL:
        raise Cpa005Error(
            f"The file's total {total} is more than the trailer holds ({MAX_TOTAL}).",
            field="amount",
        )
    return total


def _file(header: FileHeader, detail_type: str, segments: list[str], total: Decimal) -> str:
    control = {  # what begins every record, after its type and count
        "originator_id": header.originator_id.ljust(10),
        "file_creation_number": _digits(header.file_creation_number, 4, "file_creation_number"),
    }
    header_record = {
        "record_type": "A",
        "record_count": _digits(1, 9, "record_count"),
        **control,
        "creation_date": _julian(header.creation_date),
        "destination_data_centre": header.destination_data_centre,
        "communication_area": " " * 20,
        "currency": CURRENCY,
        "filler": " " * 1406,
    }
    records = [_join(HEADER_FIELDS, header_record)]
    for first in range(0, len(segments), SEGMENTS_PER_RECORD):
        count = _digits(len(records) + 1, 9, "record_count")
        prefix = detail_type + count + "".join(control.values())
        body = "".join(segments[first : first + SEGMENTS_PER_RECORD])
        records.append((prefix + body).ljust(RECORD_LENGTH))
    trailer = {
        "record_type": "Z",
        "record_count": _digits(len(records) + 1, 9, "record_count"),
        **control,
        "debit_total": _digits(_cents(total), 14, "debit_total"),
        "debit_count": _digits(len(segments), 8, "debit_count"),
        "credit_total": "0" * 14,
        "credit_count": "0" * 8,
        "e_total": "0" * 14,
        "e_count": "0" * 8,
        "f_total": "0" * 14,
        "f_count": "0" * 8,
        "filler": " " * 1352,
    }
    records.append(_join(TRAILER_FIELDS, trailer))
    return "".join(record + NEWLINE for record in records)


# --- Reading -------------------------------------------------------------------------


class _Read(NamedTuple):
    originator_id: str
    file_creation_number: int
    creation_date: date
    destination_data_centre: str
    segments: list[tuple[int, dict[str, str]]]  # (record number, the segment's fields)
    trailer_record: int
    trailer: dict[str, str]


def read_debit_file(text: str) -> ParsedFile:
    """A debit file read back and checked: lengths, the record count's sequence, the
    originator in every record, and the trailer's totals against the debits."""
    read = _read_file(text, "D")
    if not read.segments:
        raise Cpa005Error("The file holds no debits.", record=read.trailer_record)
    first_record, first = read.segments[0]
    try:
        header = FileHeader(
            originator_id=read.originator_id,
            file_creation_number=read.file_creation_number,
            creation_date=read.creation_date,
            destination_data_centre=read.destination_data_centre,
            originator_short_name=first["originator_short_name"].rstrip(),
            originator_long_name=first["originator_long_name"].rstrip(),
            return_institution=_institution_id(first["return_institution_id"])[0],
            return_transit=_institution_id(first["return_institution_id"])[1],
            return_account=first["return_account"].rstrip(),
        )
    except Cpa005Error as error:
        raise error.at(first_record) from None
    debits = []
    for record, fields in read.segments:
        try:
            _check_same_originator(header, fields)
            _number(fields["item_trace_number"], "item_trace_number")
            _number(fields["stored_transaction_type"], "stored_transaction_type")
            debits.append(_debit(fields, fields["transaction_type"]))
        except Cpa005Error as error:
            raise error.at(record) from None
    total = _check_trailer(read, [debit.amount for debit in debits])
    return ParsedFile(header, tuple(debits), total, len(debits))


def read_returns_file(text: str) -> list[ReturnedDebit]:
    """The returned debits of a bank's returns file (A, J…, Z), in file order, checked
    like a debit file; a file without returns gives an empty list."""
    read = _read_file(text, "J")
    returns = []
    for record, fields in read.segments:
        try:
            debit = _debit(fields, fields["stored_transaction_type"])
            returns.append(
                ReturnedDebit(
                    debit=debit,
                    reason_code=fields["transaction_type"],
                    item_trace_number=fields["item_trace_number"],
                )
            )
        except Cpa005Error as error:
            raise error.at(record) from None
    _check_trailer(read, [item.amount for item in returns])
    return returns


def _records(text: str) -> list[str]:
    if not isinstance(text, str):
        raise Cpa005Error(f"A file is read from text, not {type(text).__name__}.")
    body = text.removesuffix(NEWLINE)
    records = body.split(NEWLINE) if body else []
    for number, record in enumerate(records, start=1):
        if len(record) != RECORD_LENGTH:
            hint = " (records end with CR LF)" if "\n" in record else ""
            raise Cpa005Error(
                f"{len(record)} characters long, not {RECORD_LENGTH}{hint}.", record=number
            )
        if not (record.isascii() and record.isprintable()):
            raise Cpa005Error("holds characters other than printable ASCII.", record=number)
    return records


def _read_file(text: str, detail_type: str) -> _Read:
    records = _records(text)
    if len(records) < 2:
        raise Cpa005Error(
            "A file needs a header (A) and a trailer (Z) record.", record=len(records) + 1
        )
    try:
        header = _fields(HEADER_FIELDS, records[0])
        if header["record_type"] != "A":
            raise Cpa005Error(f"the first record is of type {header['record_type']!r}, not A.")
        originator = header["originator_id"]
        file_number = header["file_creation_number"]
        read = _Read(
            originator_id=originator.rstrip(),
            file_creation_number=_number(file_number, "file_creation_number"),
            creation_date=_from_julian(header["creation_date"], "creation_date"),
            destination_data_centre=header["destination_data_centre"],
            segments=[],
            trailer_record=len(records),
            trailer=_fields(TRAILER_FIELDS, records[-1]),
        )
        _check_prefix(records[0], "A", 1, originator, file_number)
        if header["currency"] != CURRENCY:
            raise Cpa005Error(
                f"the currency is {header['currency']!r}; the portal writes {CURRENCY} only.",
                field="currency",
            )
    except Cpa005Error as error:
        raise error.at(1) from None
    for number, record in enumerate(records[1:-1], start=2):
        try:
            _check_prefix(record, detail_type, number, originator, file_number)
            read.segments.extend((number, fields) for fields in _segments(record))
        except Cpa005Error as error:
            raise error.at(number) from None
    try:
        _check_prefix(records[-1], "Z", len(records), originator, file_number)
    except Cpa005Error as error:
        raise error.at(len(records)) from None
    return read


def _check_prefix(
    record: str, record_type: str, number: int, originator: str, file_number: str
) -> None:
    if record[0] != record_type:
        raise Cpa005Error(
            f"a record of type {record[0]!r} where type {record_type} belongs.",
            field="record_type",
        )
    if record[1:10] != _digits(number, 9, "record_count"):
        raise Cpa005Error(
            f"its record count is {record[1:10]!r}; this is record {number}.", field="record_count"
        )
    if record[10:24] != originator + file_number:
        raise Cpa005Error(
            f"originator and file {record[10:24]!r} differ from the header's "
            f"{originator + file_number!r}.",
            field="originator_id",
        )


def _segments(record: str) -> list[dict[str, str]]:
    found = []
    for index in range(SEGMENTS_PER_RECORD):
        offset = PREFIX_LENGTH + index * SEGMENT_LENGTH
        if not record[offset : offset + SEGMENT_LENGTH].strip():
            continue
        if len(found) < index:
            raise Cpa005Error(f"segment {index + 1} follows a blank segment.", field="segment")
        found.append(_fields(SEGMENT_FIELDS, record, offset))
    if not found:
        raise Cpa005Error("the record holds no transaction.", field="segment")
    return found


def _institution_id(text: str) -> tuple[str, str]:
    if not re.fullmatch(r"0[0-9]{8}", text):
        raise Cpa005Error(
            f"an institution must be 0 + 3 digits + 5 digits, not {text!r}.", field="institution"
        )
    return text[1:4], text[4:]


def _debit(fields: dict[str, str], transaction_code: str) -> Debit:
    institution, transit = _institution_id(fields["institution_id"])
    _number(fields["invalid_data_element"], "invalid_data_element")
    return Debit(
        amount=_dollars(_number(fields["amount"], "amount")),
        due_date=_from_julian(fields["due_date"], "due_date"),
        institution=institution,
        transit=transit,
        account=fields["account"].rstrip(),
        payor_name=fields["payor_name"].rstrip(),
        cross_reference=fields["cross_reference"].rstrip(),
        sundry=fields["sundry"].rstrip(),
        transaction_code=transaction_code,
    )


def _check_same_originator(header: FileHeader, fields: dict[str, str]) -> None:
    expected = {
        "originator_short_name": header.originator_short_name.ljust(15),
        "originator_long_name": header.originator_long_name.ljust(30),
        "user_id": header.originator_id.ljust(10),
        "return_institution_id": "0" + header.return_institution + header.return_transit,
        "return_account": header.return_account.ljust(12),
    }
    for name, value in expected.items():
        if fields[name] != value:
            raise Cpa005Error(
                f"{name} {fields[name].rstrip()!r} differs from the file's {value.rstrip()!r}.",
                field=name,
            )


def _check_trailer(read: _Read, amounts: list[Decimal]) -> Decimal:
    trailer, record = read.trailer, read.trailer_record
    total = sum(amounts, Decimal("0.00"))
    try:
        declared_count = _number(trailer["debit_count"], "debit_count")
        declared_total = _dollars(_number(trailer["debit_total"], "debit_total"))
        if declared_count != len(amounts):
            raise Cpa005Error(
                f"the trailer counts {declared_count} debits; the file holds {len(amounts)}.",
                field="debit_count",
            )
        if declared_total != total:
            raise Cpa005Error(
                f"the trailer's debit total is {declared_total}; the debits add up to {total}.",
                field="debit_total",
            )
        for name in ("credit_total", "credit_count", "e_total", "e_count", "f_total", "f_count"):
            # Some banks leave the error corrections blank; no value but zero is read.
            if trailer[name].strip() and _number(trailer[name], name) != 0:
                raise Cpa005Error(
                    f"the trailer declares {name} {trailer[name]}; the portal reads debits only.",
                    field=name,
                )
    except Cpa005Error as error:
        raise error.at(record) from None
    return total
