"""Find what a person meant by a name: exact, then substring, then close misspellings.

Pure: callers pass the candidates. rapidfuzz does the fuzzy scoring in C, so a
portfolio of 10,000 services is matched in milliseconds. What a candidate's names
fold to, and the pieces it is fuzzy-matched by, depend on its names alone, so both
are cached across requests: a lookup does not redo that work for every candidate of
the portfolio each time, only a cache look-up.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz, process, utils

FUZZY_CUTOFF = 80
# A fuzzy winner must lead the runner-up by this much to be taken without asking.
CLEAR_LEAD = 5
MAX_CHOICES = 8
MAX_SUGGESTIONS = 3
# Fuzzy scoring costs the query's length times each name's: past this many characters only the
# start of a query is scored (no name is this long), so a lookup stays bounded whatever is typed.
MAX_FUZZY_QUERY = 200
# Candidates whose folded names (and, apart, whose fuzzy pieces) are remembered: a few
# 10,000-service portfolios. Past that the least recently used are folded again when next seen.
CANDIDATE_CACHE_SIZE = 1 << 15


class MatchKind(StrEnum):
    ONE = "one"
    SEVERAL = "several"
    NONE = "none"


class Candidate(NamedTuple):
    """A lightweight record: a lookup builds one for every service of the portfolio."""

    id: int
    names: tuple[str, ...]  # every name it answers to: its own, its customer's, …
    label: str  # how it is shown


@dataclass(frozen=True)
class Match:
    kind: MatchKind
    ids: list[int]  # the match, or the choices to pick from
    suggestions: list[str]  # closest labels when nothing matched


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())


@lru_cache(maxsize=CANDIDATE_CACHE_SIZE)
def _folded_names(names: tuple[str, ...], label: str) -> tuple[tuple[str, ...], str, str]:
    """A candidate's names folded, its label folded, and its folded names joined by newlines."""
    folded = tuple(map(_folded, names))
    return folded, _folded(label), "\n".join(folded)


@lru_cache(maxsize=CANDIDATE_CACHE_SIZE)
def _pieces(names: tuple[str, ...]) -> tuple[str, ...]:
    """What a candidate is fuzzy-matched by, once each: each of its names whole, and each word of them.

    Words are interned: thousands of names share the same few ("Analytics", "Build", …).
    """
    return tuple(dict.fromkeys(piece for name in names for piece in (name, *map(sys.intern, name.split()))))


def match(query: str, candidates: Sequence[Candidate]) -> Match:
    wanted = _folded(query)
    # One pass for both rules: a candidate is exact when any of its names or its label folds to
    # the query, "inside" when the query is part of one of its folded names. Exact wins: the
    # substring matches only count while no exact match has been seen (and are dropped if one is).
    exact: list[int] = []
    inside: list[int] = []
    for candidate in candidates:
        folded, label, joined = _folded_names(candidate.names, candidate.label)
        if wanted in folded or label == wanted:
            exact.append(candidate.id)
        # Folded text has no newline (whitespace folds to single spaces), the query neither: it is
        # inside one of the names exactly when it is inside the names joined by newlines.
        elif not exact and folded and wanted in joined:
            inside.append(candidate.id)
    if exact:
        return _decided(exact)
    if inside:
        return _decided(inside)
    return _fuzzy(wanted[:MAX_FUZZY_QUERY], candidates)


def _decided(ids: list[int]) -> Match:
    if len(ids) == 1:
        return Match(MatchKind.ONE, ids, [])
    return Match(MatchKind.SEVERAL, ids[:MAX_CHOICES], [])


def _fuzzy(wanted: str, candidates: Sequence[Candidate]) -> Match:
    # A candidate scores its best piece (a name, or a word of one). Each distinct piece is scored
    # once, however many candidates share it (service names repeat, and "customer service" repeats
    # its customer's and its service's words); then, in candidate order (as the stable sort below
    # expects for ties), each candidate with a piece past the cutoff takes its best score.
    pieces = [_pieces(candidate.names) for candidate in candidates]
    choices = list(frozenset().union(*pieces))
    scores: dict[str, float] = {
        piece: score
        for piece, score, _ in process.extract(
            wanted, choices, scorer=fuzz.ratio, processor=utils.default_process, score_cutoff=FUZZY_CUTOFF, limit=None
        )
    }
    scored = scores.keys()
    best: dict[int, float] = {
        index: max(scores[piece] for piece in own if piece in scores)
        for index, own in enumerate(pieces) if not scored.isdisjoint(own)
    } if scores else {}
    ranked = sorted(best, key=lambda i: (-best[i], candidates[i].label))
    if not ranked:
        return Match(MatchKind.NONE, [], _suggestions(wanted, candidates))
    if len(ranked) == 1 or best[ranked[0]] >= best[ranked[1]] + CLEAR_LEAD:
        return Match(MatchKind.ONE, [candidates[ranked[0]].id], [])
    return Match(MatchKind.SEVERAL, [candidates[i].id for i in ranked[:MAX_CHOICES]], [])


def _suggestions(wanted: str, candidates: Sequence[Candidate]) -> list[str]:
    labels = [c.label for c in candidates]
    found = process.extract(wanted, labels, scorer=fuzz.WRatio, processor=utils.default_process,
                            limit=MAX_SUGGESTIONS, score_cutoff=1)
    return [label for label, _, _ in found]
