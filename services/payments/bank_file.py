"""The SEPA credit transfer file of a run: ISO 20022 ``pain.001.001.09`` (rules.md §8.3).

Built with ``sepaxml`` (a maintained library that writes pain.001.001.09), one transaction
per payment, end-to-end id = payment id, remittance "Asistenta pakalpojums <month>", debtor
= the municipality's account from the registry. Every file is validated against the
official ISO 20022 schema shipped in ``schemas/`` before it is stored or offered, and is
content-addressed by its SHA-256. Pure: no database, no clock (the caller gives dates).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from lxml import etree
from schwifty import IBAN
from sepaxml import SepaTransfer

from shared.municipalities import Municipality

SCHEMA = "pain.001.001.09"
XSD = Path(__file__).parent / "schemas" / f"{SCHEMA}.xsd"


class BankFileInvalid(ValueError):
    """The file does not validate against the ISO 20022 schema: it must not be offered."""


@dataclass(frozen=True)
class Transfer:
    payment_id: str  # at most 35 characters: the end-to-end id
    name: str
    iban: str
    amount: Decimal


@dataclass(frozen=True)
class BankFile:
    file_name: str
    content: bytes
    sha256: str
    message_id: str
    transactions: int
    control_sum: Decimal


def remittance(month: str) -> str:
    return f"Asistenta pakalpojums {month}"


def bic_of(iban: str) -> str | None:
    """The creditor's BIC from the IBAN's bank code, where schwifty's registry knows it."""
    bic = IBAN(iban).bic
    return str(bic) if bic is not None else None


def build_bank_file(
    municipality: Municipality,
    run_id: str,
    month: str,
    execution_date: date,
    transfers: list[Transfer],
) -> BankFile:
    if not transfers:
        raise ValueError("a bank file needs at least one transfer")
    config = {
        "name": municipality.name,
        "IBAN": municipality.iban,
        "BIC": municipality.bic,
        "batch": True,
        "currency": "EUR",
    }
    sepa = SepaTransfer(config, schema=SCHEMA, clean=True)
    for transfer in transfers:
        payment = {
            "name": transfer.name,
            "IBAN": transfer.iban,
            "amount": int(transfer.amount * 100),  # cents, as sepaxml wants
            "execution_date": execution_date,
            "description": remittance(month),
            "endtoend_id": transfer.payment_id,
        }
        bic = bic_of(transfer.iban)
        if bic is not None:
            payment["BIC"] = bic
        sepa.add_payment(payment)
    # Not pretty-printed: sepaxml pretty-prints through minidom, slow for large runs.
    content: bytes = sepa.export(validate=False, pretty_print=False)
    validate(content)
    return BankFile(
        file_name=f"pain001-{run_id}.xml",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        message_id=str(sepa.msg_id),
        transactions=len(transfers),
        control_sum=sum((t.amount for t in transfers), Decimal("0.00")),
    )


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def validate(content: bytes) -> None:
    """Raise ``BankFileInvalid`` unless ``content`` is a valid pain.001.001.09 document."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        document = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as error:
        raise BankFileInvalid(f"not XML: {error}") from error
    schema = _schema()
    if not schema.validate(document):
        raise BankFileInvalid(f"not valid {SCHEMA}: {schema.error_log.last_error}")
