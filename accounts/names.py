"""Legal names compared as CBSA staff would read them (pure: no Django).

Registration asks for the legal name "as CBSA records it", and people write it with
other capitals, accents, punctuation and spacing, or spell out the corporate suffix. Two
names are the same business name when they have the same key: letters and digits only,
without accents or case, the spaces between words dropped, and a closing suffix of one
family written one way (Inc. / Incorporated / Incorporée, Ltd. / Limited / Limitée /
Ltée, Corp. / Corporation; the Canada Business Corporations Act s. 10(1) lets a
corporation use any of these forms).
"""

import re
import unicodedata

# Each family of legal-element suffixes, written one way.
SUFFIXES = {
    "inc": ("inc", "incorporated", "incorporee"),
    "ltd": ("ltd", "limited", "limitee", "ltee"),
    "corp": ("corp", "corporation"),
}
SUFFIX_KEY = {spelling: key for key, spellings in SUFFIXES.items() for spelling in spellings}
WORDS = re.compile(r"[a-z0-9]+")


def legal_name_key(name: str) -> str:
    """The form two equivalent legal names share: "Maple Leaf Imports, Inc." and
    "MAPLE LEAF IMPORTS INCORPORATED" are both "mapleleafimportsinc"."""
    plain = unicodedata.normalize("NFKD", (name or "").casefold())
    plain = plain.encode("ascii", "ignore").decode()
    words = WORDS.findall(plain)
    if words:
        words[-1] = SUFFIX_KEY.get(words[-1], words[-1])
    return "".join(words)


def same_legal_name(typed: str, recorded: str) -> bool:
    return bool(legal_name_key(typed)) and legal_name_key(typed) == legal_name_key(recorded)
