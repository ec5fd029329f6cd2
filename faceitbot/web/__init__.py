"""The side HTTP server (health, readiness, Prometheus metrics) and the webhook server."""
