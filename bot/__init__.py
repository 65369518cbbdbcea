"""Composition root: settings, the Bolt app factory, the CLI, the HTTP server."""
