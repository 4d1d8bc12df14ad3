"""Delegate's HTTP API: the task routes under /api, served by FastAPI (see app.api.main)."""
