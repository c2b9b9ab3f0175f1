"""Duties and taxes of one declaration line (pure: no Django models). docs/rules.md §5.

    duty  = round(VFD × duty rate)
    GST   = round(GST rate × (VFD + duty + excise duty + excise tax + SIMA + surtax))
    total = duty + excise duty + excise tax + SIMA + surtax + GST

Rounding is to the cent, ROUND_HALF_UP, on duty and GST only. Money never passes through
a float: a float argument is refused.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Money's constants, for every app: amounts are Decimal, in dollars and cents.
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
ONE = Decimal("1")
GST_RATE = Decimal("0.05")  # Excise Tax Act s. 165(1): 5 %, unless the goods are relieved
# docs/rules.md §4: the most any one amount a person states may be (a payment, a line's
# value or levy, a bond, a deposit, an invoice), and the most the ledger's columns hold
# (numeric(14, 2)): a total or a balance beyond it is refused, never overflowed.
MAX_AMOUNT = Decimal("1000000000.00")
LEDGER_MAX = Decimal("999999999999.99")
# docs/rules.md §5: the most lines one declaration has, on the page and through the API.
MAX_LINES = 200


def to_cents(amount: Decimal) -> Decimal:
    """Rounded to the cent, half up: the portal's one rounding of an amount."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def positive_cents(value) -> Decimal | None:
    """`value` as an amount to pay or post: more than zero, at most two decimals (a
    Decimal, an int or a string of one); None when it is not one. Never a float."""
    if isinstance(value, float | bool):
        return None
    try:
        amount = Decimal(value) if isinstance(value, int | str) else value
        if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
            return None
        return amount if amount == amount.quantize(CENT) else None
    except InvalidOperation:  # not a number, or too many digits to hold cents
        return None


def _decimal(name: str, value) -> Decimal:
    if isinstance(value, float):
        raise TypeError(f"{name} must be a Decimal, an int or a string, never a float.")
    try:
        number = Decimal(value) if isinstance(value, int | str) else value
    except InvalidOperation:
        raise ValueError(f"{name} is not a number: {value!r}.") from None
    if not isinstance(number, Decimal) or not number.is_finite():
        raise ValueError(f"{name} is not a number: {value!r}.")
    return number


def _amount(name: str, value) -> Decimal:
    number = _decimal(name, value)
    if number < ZERO:
        raise ValueError(f"{name} cannot be negative.")
    if number > MAX_AMOUNT:
        raise ValueError(f"{name} is more than {MAX_AMOUNT}: {value}.")
    if number != number.quantize(CENT):
        raise ValueError(f"{name} has more than two decimals: {value}.")
    return number


def _rate(name: str, value) -> Decimal:
    number = _decimal(name, value)
    if not ZERO <= number <= ONE:
        raise ValueError(f"{name} is a fraction between 0 and 1 (0.065 is 6.5 %), not {value}.")
    return number


def line_amounts(
    *,
    value_for_duty,
    duty_rate,
    excise_duty=0,
    excise_tax=0,
    sima=0,
    surtax=0,
    gst_rate=GST_RATE,
) -> dict[str, Decimal]:
    """Duty, GST and the line total in cents, from CAD amounts and fractional rates."""
    vfd = _amount("value_for_duty", value_for_duty)
    other = [
        _amount("excise_duty", excise_duty),
        _amount("excise_tax", excise_tax),
        _amount("sima", sima),
        _amount("surtax", surtax),
    ]
    duty = to_cents(vfd * _rate("duty_rate", duty_rate))
    gst = to_cents(_rate("gst_rate", gst_rate) * (vfd + duty + sum(other)))
    return {"duty": duty, "gst": gst, "total": duty + sum(other) + gst}


def match_oldest_first(
    credits: list[tuple[int, Decimal]], debits: list[tuple[int, Decimal]]
) -> list[tuple[int, int, Decimal]]:
    """Apply credits to debits, both taken in the order given (oldest first): each credit
    pays the oldest debit still open until one side runs out. (credit, debit, amount)
    for each part paid; each amount is positive and none exceeds what either side had
    left (docs/rules.md §12)."""
    pairs = []
    credits = [[key, left] for key, left in credits if left > 0]
    debits = [[key, left] for key, left in debits if left > 0]
    c = d = 0
    while c < len(credits) and d < len(debits):
        amount = min(credits[c][1], debits[d][1])
        pairs.append((credits[c][0], debits[d][0], amount))
        credits[c][1] -= amount
        debits[d][1] -= amount
        if credits[c][1] == 0:
            c += 1
        if debits[d][1] == 0:
            d += 1
    return pairs
