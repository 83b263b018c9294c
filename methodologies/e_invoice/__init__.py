"""``e_invoice`` (在线缴费·电子发票): an invoice issued electronically instead of on paper."""

from methodologies.e_invoice.v1 import EInvoiceV1

VERSIONS = (EInvoiceV1(),)
