"""The SDK's API version. A plug-in declares the one it was written against; others are refused."""

API_VERSION = 1
