"""Reading the bank's returns: camt.054 entries and pain.002 rejections."""

from __future__ import annotations

import pytest

from services.payments.bank_returns import (
    BankReturn,
    NotAReturnReport,
    camt054_returns,
    parse_returns,
)

PAIN002 = b"""<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
<GrpHdr><MsgId>S1</MsgId><CreDtTm>2026-12-03T09:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>M1</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>
</OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>P1</OrgnlPmtInfId>
<TxInfAndSts><OrgnlEndToEndId>p-ok</OrgnlEndToEndId><TxSts>ACSC</TxSts></TxInfAndSts>
<TxInfAndSts><OrgnlEndToEndId>p-bad</OrgnlEndToEndId><TxSts>RJCT</TxSts>
<StsRsnInf><Rsn><Cd>AC01</Cd></Rsn></StsRsnInf></TxInfAndSts>
</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"""


def test_a_camt_054_return_names_the_payment_and_the_reason() -> None:
    content = camt054_returns("R1", [(BankReturn("p1", "AC04"), "12.34")])
    assert parse_returns(content) == [BankReturn("p1", "AC04")]


def test_a_pain_002_rejection_counts_and_an_accepted_transaction_does_not() -> None:
    assert parse_returns(PAIN002) == [BankReturn("p-bad", "AC01")]


def test_anything_else_is_refused_with_the_reason() -> None:
    with pytest.raises(NotAReturnReport, match=r"camt\.054 or pain\.002"):
        parse_returns(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>')
    with pytest.raises(NotAReturnReport, match="not XML"):
        parse_returns(b"not xml")


def test_entities_are_never_expanded() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">&e;</Document>'
    )
    assert parse_returns(bomb) == []
