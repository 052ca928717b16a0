"""The HTTP API: FastAPI routers over the service layer, with keys, roles and an access log."""
