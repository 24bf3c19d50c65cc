"""HTTP plumbing shared by the provider clients: retry timing and a client-side rate limiter."""
