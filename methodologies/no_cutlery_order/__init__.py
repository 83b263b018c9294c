"""``no_cutlery_order`` (低碳消费·外卖不要餐具): a takeaway order placed without disposable cutlery."""

from methodologies.no_cutlery_order.v1 import NoCutleryOrderV1

VERSIONS = (NoCutleryOrderV1(),)
