"""Reading the bank's return and status reports: which payments came back, and why.

Two ISO 20022 messages carry them (rules.md §8.3):
* ``camt.054`` (bank-to-customer debit/credit notification): an entry per returned
  transfer, ``TxDtls/Refs/EndToEndId`` and the reason in ``RtrInf/Rsn/Cd``;
* ``pain.002`` (payment status report): ``TxInfAndSts`` with ``OrgnlEndToEndId``,
  ``TxSts`` = ``RJCT`` and the reason in ``StsRsnInf/Rsn/Cd``.
The end-to-end id is the payment id (bank_file.py). Parsing ignores the message version
(any ``camt.054.001.*`` / ``pain.002.001.*``) and never resolves entities or the network.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree


class NotAReturnReport(ValueError):
    """Not XML, or neither a camt.054 nor a pain.002 document."""


@dataclass(frozen=True)
class BankReturn:
    payment_id: str
    reason_code: str


def _local(element: etree._Element) -> str:
    return str(etree.QName(element).localname)


def _find(element: etree._Element, *path: str) -> etree._Element | None:
    current: etree._Element | None = element
    for name in path:
        if current is None:
            return None
        current = next((c for c in current if _local(c) == name), None)
    return current


def _text(element: etree._Element, *path: str) -> str | None:
    found = _find(element, *path)
    return found.text.strip() if found is not None and found.text else None


def _all(element: etree._Element, name: str) -> list[etree._Element]:
    return [e for e in element.iter() if isinstance(e.tag, str) and _local(e) == name]


def parse_returns(content: bytes) -> list[BankReturn]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as error:
        raise NotAReturnReport(f"not XML: {error}") from error
    namespace = etree.QName(root).namespace or ""
    if ":camt.054." in namespace:
        return _from_camt054(root)
    if ":pain.002." in namespace:
        return _from_pain002(root)
    raise NotAReturnReport(
        f"expected an ISO 20022 camt.054 or pain.002 document, got namespace {namespace!r}"
    )


def _from_camt054(root: etree._Element) -> list[BankReturn]:
    returns = []
    for details in _all(root, "TxDtls"):
        payment_id = _text(details, "Refs", "EndToEndId")
        reason = _text(details, "RtrInf", "Rsn", "Cd")
        if payment_id and reason:
            returns.append(BankReturn(payment_id, reason))
    return returns


def _from_pain002(root: etree._Element) -> list[BankReturn]:
    returns = []
    for status in _all(root, "TxInfAndSts"):
        if _text(status, "TxSts") != "RJCT":
            continue
        payment_id = _text(status, "OrgnlEndToEndId")
        reason = _text(status, "StsRsnInf", "Rsn", "Cd") or "NARR"
        if payment_id:
            returns.append(BankReturn(payment_id, reason))
    return returns


def camt054_returns(message_id: str, returns: list[tuple[BankReturn, str]]) -> bytes:
    """A minimal camt.054.001.08 debit notification returning ``(payment, amount)`` pairs.

    What a bank sends back for returned transfers; the demo and the tests use it.
    """
    ns = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
    entries = "".join(
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd>'
        f"</Sts><BkTxCd/><NtryDtls><TxDtls><Refs><EndToEndId>{r.payment_id}</EndToEndId>"
        f"</Refs><RtrInf><Rsn><Cd>{r.reason_code}</Cd></Rsn></RtrInf></TxDtls></NtryDtls>"
        "</Ntry>"
        for r, amount in returns
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{ns}"><BkToCstmrDbtCdtNtfctn>'
        f"<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2026-12-10T10:00:00</CreDtTm></GrpHdr>"
        f"<Ntfctn><Id>{message_id}</Id>{entries}</Ntfctn>"
        "</BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()
