"""GET /v1/usage: the characters the caller's key translated this month, and its limits."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from api.auth import require_key
from api.inputs import CheckedRoute
from api.schemas import ERROR_RESPONSES
from api.usage import Account, Usage, month_of, seconds_to_next_month

router = APIRouter(dependencies=[Depends(require_key)], tags=["usage"], route_class=CheckedRoute)


class UsageResponse(BaseModel):
    month: str = Field(description="the calendar month counted (UTC), YYYY-MM")
    characters: int = Field(description="source characters translated this month, on every route")
    character_limit: int | None = Field(description="the key's monthly quota (TRANSLATOR_KEYS_FILE); null: none")
    requests_per_second: float | None = Field(description="the key's request rate; null: none")
    resets_in_s: int = Field(description="seconds until the count starts again at 0")


@router.get("/v1/usage", response_model=UsageResponse, summary="This key's usage and limits", responses=ERROR_RESPONSES)
async def usage(request: Request) -> UsageResponse:
    account: Account = request.state.account
    meter: Usage = request.app.state.usage
    now = datetime.now(UTC)
    return UsageResponse(
        month=month_of(now),
        characters=meter.count(account, now),
        character_limit=account.limits.characters_per_month,
        requests_per_second=account.limits.requests_per_second,
        resets_in_s=seconds_to_next_month(now),
    )
