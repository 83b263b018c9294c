"""The city view: roll-ups kept as credits land, k-anonymous aggregates, targets, the city API."""
