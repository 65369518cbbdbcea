"""Read queries: each takes a session and a workspace and returns read models.

Each runs a fixed number of SQL statements whatever the size of the portfolio.
"""
