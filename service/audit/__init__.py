"""The audit log: every admin and parameter change, who made it and why."""
