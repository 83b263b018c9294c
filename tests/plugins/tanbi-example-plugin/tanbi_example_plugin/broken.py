"""A plug-in whose import fails, as a broken third-party package would."""

raise ImportError("this example plug-in is broken on purpose")
