"""Logs and traces: JSON lines with the request id, and OpenTelemetry spans when an OTLP endpoint is set.

``context.py`` holds what a log line is about (request id, job); ``logs.py`` formats lines; ``origin.py``
carries a request's id and trace into the jobs it enqueues; ``tracing.py`` makes spans, or nothing at all.
"""
