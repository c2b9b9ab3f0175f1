"""The contract's pure functions import and run without Django or a database."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import sys
from datetime import date
from decimal import Decimal
from accounts.identifiers import is_valid_bn9, normalize_program_account
from financial.calendar import billing_period, payment_due_date, statement_date
from financial.calculation import line_amounts
from financial.cpa005 import RETURN_REASONS
from security.rules import highest_monthly_ar, required_security, review_window
assert review_window(2026) == (date(2025, 10, 20), date(2026, 10, 19))
assert highest_monthly_ar([], 2026) == (None, Decimal("0.00"))
assert is_valid_bn9("119219814")
assert normalize_program_account("123456782 rm 0001") == "123456782RM0001"
assert payment_due_date(date(2023, 10, 17)) == date(2023, 10, 31)
line = line_amounts(value_for_duty=Decimal("100"), duty_rate=Decimal("0.1"))
assert line["total"] == Decimal("15.50")
assert billing_period(date(2023, 10, 17))[0] == date(2023, 9, 18)
assert statement_date(date(2023, 10, 17)) == date(2023, 10, 25)
assert required_security(Decimal("10001")) == (Decimal("5001"), Decimal("10001"))
assert RETURN_REASONS["901"] == "NSF (debit only)"
assert "django.conf" not in sys.modules and "django.db" not in sys.modules
print("ok")
"""


def test_pure_functions_need_no_django():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
