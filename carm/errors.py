"""A service's refusal: a code the pages and API turn into words in the reader's language."""

import datetime
from decimal import Decimal

from carm.formats import day, money


class CodedError(Exception):
    """Subclasses name their `messages`: {code: lazy text with %(name)s placeholders}.
    Amounts and dates among the details are written in the active language."""

    messages: dict = {}
    # The HTTP status the API answers a code with, where it is not 400.
    statuses: dict = {}
    # The request field a code is about, named in the API's `errors`.
    fields: dict = {}

    def __init__(self, code: str, **details) -> None:
        super().__init__(code)
        self.code = code
        self.details = details

    @property
    def status(self) -> int:
        return self.statuses.get(self.code, 400)

    @property
    def message(self) -> str:
        template = str(self.messages[self.code])
        if not self.details:
            return template
        details = {name: _written(value) for name, value in self.details.items()}
        return template % details


def _written(value):
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, datetime.date):
        return day(value)
    return value
