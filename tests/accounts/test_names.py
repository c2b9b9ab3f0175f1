"""Legal names that differ only in what does not matter are the same name
(accounts/names.py, pure)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.names import legal_name_key, same_legal_name

RECORDED = "Maple Leaf Imports Inc."

SAME = [
    "Maple Leaf Imports Inc.",
    "maple leaf imports inc",  # case, no period
    "MAPLE LEAF IMPORTS, INC.",  # a comma
    "Maple  Leaf   Imports Inc.",  # spacing
    "MapleLeaf Imports Inc",  # a space missing
    "Maple-Leaf Imports Inc.",  # a hyphen
    "Maple Leaf Imports Incorporated",
    "Maple Leaf Imports Incorporée",
    "Maple Leaf Imports INCORPORÉE",
    " Maple Leaf Imports Inc. ",
]
DIFFERENT = [
    "Maple Leaf Exports Inc.",  # another word
    "Maple Leaf Imports Ltd.",  # another suffix family
    "Maple Leaf Imports Corp.",
    "Maple Leaf Import Inc.",  # a letter missing
    "Maple Leaf Imports",  # the legal element missing
    "Maple Leaf Imports Inc. Canada",  # a word added
    "",
]


@pytest.mark.parametrize("typed", SAME)
def test_what_does_not_matter_is_ignored(typed):
    assert same_legal_name(typed, RECORDED)


@pytest.mark.parametrize("typed", DIFFERENT)
def test_what_matters_still_matters(typed):
    assert not same_legal_name(typed, RECORDED)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Prairie Goods Ltd.", "PRAIRIE GOODS LIMITED"),
        ("Prairie Goods Ltd.", "Prairie Goods Limitée"),
        ("Prairie Goods Ltd.", "Prairie Goods Ltée"),
        ("Northern Freight Corp.", "Northern Freight Corporation"),
        ("Café Boréal Inc.", "Cafe Boreal Inc"),
        ("L'Érablière Québec Ltée", "Lerabliere Quebec Limited"),
    ],
)
def test_the_suffix_families_and_accents(one, other):
    assert legal_name_key(one) == legal_name_key(other)


@given(st.text(max_size=40))
def test_the_key_is_stable_and_ignores_case(name):
    assert legal_name_key(legal_name_key(name)) == legal_name_key(name)
    assert legal_name_key(name.upper()) == legal_name_key(name.lower())
