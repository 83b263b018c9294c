"""Actions: a resident's verified low-carbon action, quantified and credited, and the credit path itself."""
