"""Static file routes answer 404 for a file name no file system could hold.

Litestar turns the operating system's "file name too long" and "embedded null byte" into a 500; a name
over 255 bytes in one segment, a path over 1,024, or one with a control character cannot be one of our
files, so it is simply not found.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from service.errors import NotFound

NAME_MAX = 255
PATH_MAX = 1024


async def refuse_impossible_names(request: Request[Any, Any, Any]) -> None:
    path = request.url.path.encode()
    if (
        len(path) > PATH_MAX
        or any(len(part) > NAME_MAX for part in path.split(b"/"))
        or any(byte < 0x20 or byte == 0x7F for byte in path)
    ):
        raise NotFound("no such file", code="not_found")
