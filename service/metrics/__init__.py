"""Prometheus metrics: the API's ``GET /metrics`` (guarded by a token) and the worker's own port.

- ``series.py``: what is counted per process (requests, redemption outcomes, pool, jobs);
- ``multiprocess.py``: several API processes (``tanbi serve --workers N``) answering one sum;
- ``business.py`` and ``repository.py``: figures read from the database at scrape time (partner events by
  status, the outbox backlog, the city view's lag), the same whichever process answers;
- ``http.py``: the middleware that counts requests by route template; ``endpoint.py``: the route;
- ``jobs.py``: job durations and outcomes, and the worker's HTTP server.
"""
