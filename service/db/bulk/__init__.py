"""The dialect seam's earlier name, kept for the modules that still import it: see ``service.db.dialect``."""

from service.db.dialect import Dialect as Bulk
from service.db.dialect import any_of, bulk_insert, one_of, upsert_adding
from service.db.dialect import dialect_for as bulk_for

__all__ = ["Bulk", "any_of", "bulk_for", "bulk_insert", "one_of", "upsert_adding"]
