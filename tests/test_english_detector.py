"""The check the persona journeys run on French pages, emails and PDFs
(tests/e2e/journey.py): it finds English, and lets French, names and addresses be."""

import pytest

from tests.e2e.journey import english_in, english_without_french


@pytest.mark.parametrize(
    "french",
    [
        "Relevé de compte du 25 novembre 2026",
        "Date\tTransaction\tTotal\tNotifications importantes",
        "Solde : 1 020,00 $ — dû le 1 décembre",
        "Le courtier a un accès de rédacteur ; on peut le révoquer.",
        "Déposé par True North Surety Co. pour Maple Leaf Imports Inc.",
        "Écrivez à broker.agent@example.com ou allez sur https://example.com/fr/accounts/",
        "Gouvernement du Canada / Government of Canada",
        "Paiements en attente : MAP, TPS, ASFC",
    ],
)
def test_french_passes(french):
    assert english_in(french) == []


@pytest.mark.parametrize(
    "english",
    [
        "Statement of Account",
        "Sign out",
        "Paiement de 20,00 $ — pending",
        "Montant dû au CBSA",
        "Payer avant la date : Please pay",
        "Taux de GST (%)",
        "[CARM] Relevé disponible",
    ],
)
def test_english_is_found(english):
    assert english_in(english) == [english]


def test_data_people_typed_is_set_aside_only_when_given():
    line = "Note de l'agent : Approved for the coming year."
    assert english_in(line) == [line]
    assert english_in(line, ["Approved for the coming year."]) == []


def test_a_bilingual_document_gives_each_english_label_its_french():
    text = "Statement of Account / Relevé de compte\nAmount / Montant\nPayment due\n"
    assert english_without_french(text) == ["Payment due"]
    wrapped = "Electronic payments count until 23:59 Eastern time. /\nLes paiements comptent"
    assert english_without_french(wrapped) == []
    assert english_without_french("Amount / Amount") == ["Amount / Amount"]
    # A description wrapped before its slash is one cell; a label alone on its line is not.
    described = "Interest from October 18, 2026 to November\n17, 2026 / Intérêts du 18 octobre"
    assert english_without_french(described) == []
    assert english_without_french("Payment due\nBalance / Solde") == ["Payment due"]
