"""The rendering floor: every message the bot sends, built from the store's read models.

Between `store/` and the surfaces (`handlers/`, `digests/`): typed ids and button values
(`ids`), the Block Kit builders (`blocks`), the digests' renderers and their Jinja2 copy
(`digests`). Nothing here imports a surface or `bot/`.
"""
