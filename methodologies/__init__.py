"""Methodologies: pure, versioned plug-ins that verify a low-carbon action and quantify the CO2e it avoided.

The SDK is in ``methodologies._sdk``; each built-in lives in its own package (``methodologies.bus_trip``...)
and registers through the ``tanbi.methodologies`` entry-point group, as a third-party plug-in would.
"""
