"""The SEPA file: pain.001.001.09 from sepaxml, validated against the official XSD."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from services.payments.bank_file import (
    BankFileInvalid,
    Transfer,
    build_bank_file,
    remittance,
    validate,
)
from shared.municipalities import MUNICIPALITIES

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
TRANSFERS = [
    Transfer("0" * 31 + "1", "Jānis Bērziņš", "LV80BANK0000435195001", Decimal("296.04")),
    Transfer("0" * 31 + "2", "Anna Kalniņa", "LV97HABA0012345678910", Decimal("51.10")),
]


def test_the_file_is_valid_pain_001_001_09_with_one_transaction_per_payment() -> None:
    file = build_bank_file(
        MUNICIPALITIES["daugavpils"],
        "daugavpils-2026-11-1",
        "2026-11",
        date(2026, 12, 2),
        TRANSFERS,
    )
    validate(file.content)  # the XSD shipped in services/payments/schemas
    assert file.sha256 == hashlib.sha256(file.content).hexdigest()
    doc = etree.fromstring(file.content)
    assert doc.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=NS) == "2"
    assert doc.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS) == "347.14"
    assert file.control_sum == Decimal("347.14")
    assert doc.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == (
        MUNICIPALITIES["daugavpils"].iban
    )
    ids = doc.findall(".//p:CdtTrfTxInf/p:PmtId/p:EndToEndId", namespaces=NS)
    assert [e.text for e in ids] == [t.payment_id for t in TRANSFERS]
    assert {e.text for e in doc.findall(".//p:RmtInf/p:Ustrd", namespaces=NS)} == {
        "Asistenta pakalpojums 2026-11"
    }
    # The BIC comes from the IBAN's bank code where schwifty knows the bank (HABA: Swedbank).
    assert "HABALV22" in file.content.decode()


def test_the_remittance_names_the_service_and_month() -> None:
    assert remittance("2026-11") == "Asistenta pakalpojums 2026-11"


def test_every_municipality_has_a_valid_debtor_account_for_its_files() -> None:
    assert len(MUNICIPALITIES) == 43
    assert len({m.atvk for m in MUNICIPALITIES.values()}) == 43
    for municipality in MUNICIPALITIES.values():
        file = build_bank_file(municipality, "r", "2026-11", date(2026, 12, 2), TRANSFERS[:1])
        validate(file.content)


def test_a_file_the_schema_refuses_is_never_offered() -> None:
    too_long_id = Transfer("x" * 36, "A B", "LV80BANK0000435195001", Decimal("1.00"))
    with pytest.raises(BankFileInvalid):
        build_bank_file(MUNICIPALITIES["ludza"], "r", "2026-11", date(2026, 12, 2), [too_long_id])
    with pytest.raises(BankFileInvalid):
        validate(b"<Document/>")
