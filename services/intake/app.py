"""Composition root of the intake service: applications, documents, changes of circumstances."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.intake.api import router
from shared.http.app import create_app
from shared.runtime import ServiceDefinition
from shared.settings import Settings

DEFINITION = ServiceDefinition(name="intake", migrations=Path(__file__).parent / "migrations")


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(DEFINITION, routers=[router], settings=settings)
