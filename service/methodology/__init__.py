"""Methodologies as the service sees them: the plug-in registry and the versioned parameters."""
