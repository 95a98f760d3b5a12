"""What the two HTTP faces (the live page and the recommendation service) share about requests.

A JSON body may hold what no Python string or JSON answer can carry safely: a number such as
``1e400`` or ``NaN`` (parsed as infinity and NaN) and a lone surrogate such as ``"\\ud800"`` (valid
JSON syntax, but no Unicode character, so it cannot be encoded as UTF-8). :data:`Text` is a request
string that refuses lone surrogates (a 422 naming the field), and :func:`invalid_request` answers
FastAPI's validation errors with a 422 that is always valid UTF-8 JSON, whatever the request held
— instead of failing to write the error itself and answering 500.
"""

from __future__ import annotations

import json
import math
from typing import Annotated

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import AfterValidator

__all__ = ["Text", "json_safe", "invalid_request"]


def _unicode(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError(f"holds a lone surrogate (U+{ord(value[e.start]):04X}) at character {e.start + 1}; "
                         "text must be valid Unicode") from None
    return value


Text = Annotated[str, AfterValidator(_unicode)]
"""A request string that is valid Unicode (a lone surrogate is a 422 naming the field)."""


def json_safe(value):
    """``value`` with NaN and infinities written as strings (JSON has no such numbers) and lone
    surrogates in strings and keys written out as ``\\udXXX`` text (UTF-8 has no such characters)."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {json_safe(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def invalid_request(request: Request, exc: RequestValidationError, hint=None) -> Response:
    """422 with FastAPI's list of errors as valid JSON whatever the request held; ``hint(error)``
    may add to an error's ``msg`` in place."""
    errors = json_safe(jsonable_encoder(exc.errors()))
    for e in errors:
        if hint is not None:
            hint(e)
    return Response(json.dumps({"detail": errors}, ensure_ascii=False, allow_nan=False).encode("utf-8"),
                    status_code=422, media_type="application/json")
