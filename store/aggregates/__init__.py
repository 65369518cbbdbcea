"""Counts kept up to date for the answers that would otherwise count the same rows each time."""
