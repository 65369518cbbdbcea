"""The digests' renderers: what each digest shows, as a Reply ready to post, or None when it has
nothing in it.

One module per digest, each a `render(read model, tz, all_clear=...)`; which store query each
reads, and how a posted digest is drawn again after a change, is its row in messages/views.py.
The structure comes from `messages.blocks` (rows keep their menus through a digest ViewRef), the
words from `messages/digests/templates` (`copy.py`). Every digest stays within 49 blocks (one is
kept for the "Updated" line of a rebuilt copy), cut with "and N more — type …", and always has a
top-level text.
"""
