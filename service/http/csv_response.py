"""CSV downloads: one helper so every CSV has the same headers, and how the document describes them.

``text/csv`` with Litestar's own ``charset=utf-8`` (giving the media type with a charset made it say it
twice), a UTF-8 byte-order mark so Excel opens Chinese text correctly, and a file name to save it as.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response
from litestar.datastructures import ResponseHeader
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Schema

BOM = "\ufeff"
CSV = "text/csv"


def csv_response(text: str, filename: str) -> Response[bytes]:
    return Response(
        (BOM + text).encode("utf-8"),
        media_type="text/csv",  # Litestar adds "; charset=utf-8" to text types itself
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


def wants_csv(request: Request[Any, Any, Any]) -> bool:
    return "text/csv" in request.headers.get("accept", "")


def attachment(filename: str) -> ResponseHeader:
    """The content-disposition header csv_response sets, for the document only (Litestar sets nothing)."""
    return ResponseHeader(
        name="content-disposition",
        value=f'attachment; filename="{filename}"',
        description=f'attachment; filename="{filename}": the file name to save the CSV as',
        documentation_only=True,
    )


def csv_alternative(description: str) -> type[Operation]:
    """An operation whose 200 response also offers ``text/csv`` (a string), sent for ``Accept: text/csv``."""

    @dataclass
    class WithCsv(Operation):
        def __post_init__(self) -> None:
            ok = (self.responses or {}).get("200")
            if isinstance(ok, OpenAPIResponse) and ok.content is not None:
                ok.content[CSV] = OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING, description=description)
                )

    return WithCsv
