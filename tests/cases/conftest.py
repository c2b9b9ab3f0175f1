"""What the cases tests share: a declaration whose adjustment an officer decided."""

import datetime
from decimal import Decimal as D

import pytest

from financial.services import adjustment_decide, declaration_correct
from tests.cases.test_cases import DECIDED, LINE, at, filed


@pytest.fixture
def adjusted(importer_bam, officer, rm2):
    """A declaration on RM0002 (no RPP) whose adjustment an officer approved on March 2,
    2026: the decision an appeal contests."""
    declaration = filed(importer_bam, rm2)
    version = declaration_correct(
        actor=importer_bam,
        declaration=declaration,
        reason_code="classification",
        lines=[{**LINE, "duty_rate": D("0.25")}],  # duty $250.00, GST $62.50: $312.50
        at=at(datetime.date(2026, 2, 20)),
    )
    adjustment_decide(officer=officer, version=version, approve=True, at=at(DECIDED, 14))
    declaration.refresh_from_db()
    return declaration
