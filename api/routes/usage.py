"""GET /v1/usage: the characters the caller's key translated this month, and its limits (reading them takes
none of the key's requests a second)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from api.auth import identify
from api.deps import AccountDep, UsageDep
from api.inputs import CheckedRoute
from api.schemas import ERROR_RESPONSES
from api.usage import month_of, next_month, seconds_to_next_month

router = APIRouter(dependencies=[Depends(identify)], tags=["usage"], route_class=CheckedRoute)


class UsageResponse(BaseModel):
    key_id: str = Field(
        description="this key's id (never the key): what TRANSLATOR_REVIEWED_WRITERS lists and reviewed "
        "translations record as their writer; anonymous without keys"
    )
    month: str = Field(description="the calendar month counted (UTC), YYYY-MM")
    characters: int = Field(description="source characters translated this month, on every route")
    character_limit: int | None = Field(description="the key's monthly quota (TRANSLATOR_KEYS_FILE); null: none")
    requests_per_second: float | None = Field(description="the key's request rate; null: none")
    resets_in_s: int = Field(description="seconds until the count starts again at 0")
    resets_at: str = Field(description="when the count starts again at 0: ISO 8601, UTC")


@router.get("/v1/usage", response_model=UsageResponse, summary="This key's usage and limits", responses=ERROR_RESPONSES)
async def usage(meter: UsageDep, account: AccountDep) -> UsageResponse:
    now = datetime.now(UTC)
    return UsageResponse(
        key_id=account.id,
        month=month_of(now),
        characters=meter.count(account, now),
        character_limit=account.limits.characters_per_month,
        requests_per_second=account.limits.requests_per_second,
        resets_in_s=seconds_to_next_month(now),
        resets_at=f"{next_month(now):%Y-%m-%dT%H:%M:%SZ}",
    )
