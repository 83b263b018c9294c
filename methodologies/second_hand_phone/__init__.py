"""``second_hand_phone`` (低碳消费): buying a second-hand phone avoids part of making a new one."""

from methodologies.second_hand_phone.v1 import SecondHandPhoneV1

VERSIONS = (SecondHandPhoneV1(),)
