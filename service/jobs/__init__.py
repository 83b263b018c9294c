"""The one seam for background work: ``defer`` a job inside a transaction; it is enqueued after commit.

With Redis configured the queue is arq (``tanbi worker`` runs the jobs); without it jobs run in-process.
Every job is idempotent: arq may run a job again, and the in-process runner retries failures.
"""
