"""Each operation's own problem codes, beyond what its security and inputs imply (service/http/contract.py).

Keyed by (METHOD, path template as the OpenAPI document writes it). The suite holds the service to this
list: an operation that answers a status or code not listed here (or implied) fails the run
(tests/fixtures/problems.py), and schemathesis checks every documented operation against it.
"""

from __future__ import annotations

PROBLEMS: dict[tuple[str, str], dict[int, tuple[str, ...]]] = {}
