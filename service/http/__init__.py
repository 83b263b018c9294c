"""HTTP plumbing shared by every route: problem+json errors, request ids, the request's session."""
