"""Partners: who reports actions, how they sign, the durable event outbox, bindings of their users."""
