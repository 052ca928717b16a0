"""Use cases, each in one unit of work: what the CLI, the API and the web pages call."""
