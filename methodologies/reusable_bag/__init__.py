"""``reusable_bag`` (低碳消费·自带购物袋): a shop with no plastic carrier bag bought."""

from methodologies.reusable_bag.v1 import ReusableBagV1

VERSIONS = (ReusableBagV1(),)
