"""The carbon registry: crediting projects, batches of pooled reductions, serial-numbered units, sales and
retirements (docs/registry.md)."""
