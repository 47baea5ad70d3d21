"""The shapes of the ministry API's JSON answers, for its OpenAPI description.

Counts are integers; hours, money and days are decimal strings (exact). The figures model
is made from the metric catalogue, so a new metric appears here by itself.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, create_model

from services.reporting.metrics import METRICS


def _figure_field(is_count: bool) -> Any:
    if is_count:
        return (int, Field(ge=0))
    return (str | None, Field(description="Decimal string; null when there is nothing"))


FiguresOut: type[BaseModel] = create_model(
    "Figures",
    __doc__="One municipality's (or the nation's) figures of a month.",
    refused_by_reason=(dict[str, int], Field(description="Refusal reason code -> count")),
    **{metric.name: _figure_field(metric.is_count) for metric in METRICS},
)


class MunicipalityRef(BaseModel):
    municipality: str = Field(description="Slug, e.g. daugavpils")
    atvk: str = Field(description="Official ATVK code")
    name: str


class MunicipalityMonthOut(MunicipalityRef):
    figures: FiguresOut
    report_status: str | None = Field(description="on_time, late, missing or not_due")


class MonthOut(BaseModel):
    month: str
    as_of: str | None
    national: FiguresOut
    municipalities: list[MunicipalityMonthOut]


class MonthsOut(BaseModel):
    as_of: str | None
    months: list[str]


class DifferenceOut(BaseModel):
    field: str = Field(description="A field of MonthlyFigures")
    reported: int | str
    computed: int | str
    difference: int | str


class PaymentCheckOut(BaseModel):
    expected: str = Field(description="Approved hours × the hourly amount of their days")
    paid: str = Field(description="Total cost of the payments")
    difference: str
    tolerance: str = Field(description="One cent per payment line")
    matches: bool


class ReconciliationOut(MunicipalityRef):
    month: str
    deadline: str
    status: str = Field(description="on_time, late, missing or not_due")
    first_submitted_on: str | None
    submitted_on: str | None
    submissions: int
    matches: bool
    differences: list[DifferenceOut]
    payments: PaymentCheckOut | None


class ReconciliationListOut(BaseModel):
    as_of: str | None
    month: str | None
    items: list[ReconciliationOut]


class MunicipalityMonthReportOut(BaseModel):
    month: str
    figures: FiguresOut
    report: ReconciliationOut


class MunicipalityMonthsOut(MunicipalityRef):
    as_of: str | None
    months: list[MunicipalityMonthReportOut]


class LateReportOut(MunicipalityRef):
    month: str
    deadline: str
    status: str = Field(description="late or missing")
    submitted_on: str | None
    days_late: int


class LateReportsOut(BaseModel):
    as_of: str | None
    today: str
    items: list[LateReportOut]


class PaymentMismatchOut(MunicipalityRef, PaymentCheckOut):
    month: str


class PaymentMismatchesOut(BaseModel):
    as_of: str | None
    items: list[PaymentMismatchOut]


class StatusOut(BaseModel):
    pending: dict[str, int] = Field(description="Stream -> events not yet applied")
    caught_up: bool
