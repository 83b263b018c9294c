"""``online_bill`` (在线缴费): a utility bill on paperless billing, paid online."""

from methodologies.online_bill.v1 import OnlineBillV1

VERSIONS = (OnlineBillV1(),)
