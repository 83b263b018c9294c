"""CSV downloads: one helper so every CSV has the same headers.

``text/csv`` with Litestar's own ``charset=utf-8`` (giving the media type with a charset made it say it
twice), a UTF-8 byte-order mark so Excel opens Chinese text correctly, and a file name to save it as.
"""

from __future__ import annotations

from litestar import Response

BOM = "\ufeff"


def csv_response(text: str, filename: str) -> Response[bytes]:
    return Response(
        (BOM + text).encode("utf-8"),
        media_type="text/csv",  # Litestar adds "; charset=utf-8" to text types itself
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
