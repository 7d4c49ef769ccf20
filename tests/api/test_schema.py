"""Schemathesis over every operation, in-process on the tiny model: no 5xx, and every status, content type
and body as the OpenAPI document says."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from tests.conftest import TINY_MODEL
from translator.settings import Settings

# Small limits keep the tiny model's looping outputs short; their errors are operations' answers too. The
# app loads its model in its lifespan, which schemathesis starts on the first call (not at collection).
DATA = Path(tempfile.mkdtemp(prefix="translator-schema-"))  # its own: its lifespan may last the session
APP = create_app(
    Settings(model=str(TINY_MODEL), api_keys="", max_texts=2, max_text_chars=40, max_body_bytes=2048, data_dir=DATA)
)
schema = schemathesis.openapi.from_dict(APP.openapi())
schema.app = APP  # calls go to the app in-process, as schemathesis.openapi.from_asgi arranges


@schema.parametrize()
@settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case: schemathesis.Case) -> None:
    case.call_and_validate(
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    )
