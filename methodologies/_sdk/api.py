"""The SDK's API version. A plug-in declares the one it was written against; others are refused.

Version 2 (methodologies v2): every methodology declares its ``family``; it may declare ``exclusive``
groups, identifier fields Tanbi hashes, reason meanings, an evidence example and yearly caps.
"""

API_VERSION = 2
