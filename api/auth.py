"""Optional API keys: when any are configured, every route but the health checks needs one.

A key may come as `Authorization: Bearer <key>`, an `X-API-Key` header, or an `api_key` field in the
query, a form or a JSON body (as LibreTranslate clients send it). Keys are compared in constant time and
never logged or used as metric labels. An admitted request carries its account (`request.state.account`,
for usage) and has taken one of its key's requests a second (but for reading its own usage: `identify`).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from fastapi import Request

from api import deps
from api.errors import ApiError
from api.usage import Account

ANONYMOUS = Account.of(None)
HOW = "send 'Authorization: Bearer <key>' or an api_key field"


async def require_key(request: Request) -> None:
    await admit(request, presented_key, HOW)


async def identify(request: Request) -> None:
    """As require_key, without taking one of the key's requests a second: for reading what the key used."""
    await admit(request, presented_key, HOW, rate=False)


async def admit(
    request: Request, presented: Callable[[Request], Awaitable[str | None]], how: str, rate: bool = True
) -> None:
    """Let the request in as its key's account (any request, when no keys are set): 401 when no key is
    presented (`how` says how to send one), 403 when it is not a key, 429 when the key is over its rate
    (with `rate`)."""
    keys = deps.keys(request)
    if not keys:
        request.state.account = ANONYMOUS
        return
    key = await presented(request)
    if not key:
        raise ApiError(401, "key_required", f"an API key is required: {how}")
    found = next((k for k in keys if hmac.compare_digest(key.encode(), k.encode())), None)
    if found is None:
        raise ApiError(403, "key_invalid", "the API key is not valid")
    request.state.account = account = Account.of(found, keys[found])
    if rate:
        await deps.rate_limit(request).take(account)


async def presented_key(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    if key := request.headers.get("x-api-key") or request.query_params.get("api_key"):
        return key
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get("api_key")
        return value if isinstance(value, str) else None
    if content_type.startswith("application/json"):
        try:
            body = await request.json()  # checked at the edge: a bad string is a 422 naming api_key, not a crash
        except ValueError:
            return None  # the route answers for a body that is not JSON
        value = body.get("api_key") if isinstance(body, dict) else None
        return value if isinstance(value, str) else None
    return None
