"""Optional API keys: when any are configured, every route but the health checks needs one.

A key may come as `Authorization: Bearer <key>`, an `X-API-Key` header, or an `api_key` field in the
query, a form or a JSON body (as LibreTranslate clients send it). Keys are compared in constant time and
never logged or used as metric labels.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from api.errors import ApiError


async def require_key(request: Request) -> None:
    keys: frozenset[str] = request.app.state.api_keys
    if not keys:
        return
    verify(keys, await presented_key(request), "send 'Authorization: Bearer <key>' or an api_key field")


def verify(keys: frozenset[str], presented: str | None, how: str) -> None:
    """401 when no key is presented (`how` says how to send one), 403 when it is not one of `keys`."""
    if not presented:
        raise ApiError(401, "key_required", f"an API key is required: {how}")
    if not any(hmac.compare_digest(presented.encode(), key.encode()) for key in keys):
        raise ApiError(403, "key_invalid", "the API key is not valid")


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
