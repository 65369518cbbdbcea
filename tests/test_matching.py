"""Name matching: exact, substring, close misspellings, choices, and the closest names."""

from rapidfuzz import fuzz, process, utils

from handlers.commands.parse import MAX_COMMAND_CHARS, UsageError, parse_command
from store.rules.matching import (
    CLEAR_LEAD,
    FUZZY_CUTOFF,
    MAX_CHOICES,
    MAX_FUZZY_QUERY,
    MAX_SUGGESTIONS,
    Candidate,
    Match,
    MatchKind,
    match,
)

SERVICES = [
    Candidate(1, ("ERP Go-Live", "Precision Components"), "Precision Components · ERP Go-Live"),
    Candidate(2, ("Integration Rollout", "Delta Corp"), "Delta Corp · Integration Rollout"),
    Candidate(3, ("Admin Training Program", "Beta Corp"), "Beta Corp · Admin Training Program"),
    Candidate(4, ("Platform Discovery", "Gamma LLC"), "Gamma LLC · Platform Discovery"),
]


def test_exact_name_is_case_insensitive():
    assert match("delta corp", SERVICES).ids == [2]
    assert match("  ERP   go-live ", SERVICES).ids == [1]


def test_full_label_matches_exactly():
    assert match("Beta Corp · Admin Training Program", SERVICES).ids == [3]


def test_substring_finds_one():
    found = match("precision", SERVICES)
    assert found.kind == MatchKind.ONE and found.ids == [1]


def test_substring_finding_several_offers_choices():
    found = match("corp", SERVICES)
    assert found.kind == MatchKind.SEVERAL
    assert sorted(found.ids) == [2, 3]


def test_close_misspellings_find_the_service():
    assert match("precison", SERVICES).ids == [1]
    assert match("gama", SERVICES).ids == [4]
    assert match("Detla Corp", SERVICES).ids == [2]


def test_nothing_close_gives_no_match_and_the_closest_names():
    found = match("zzzqqq", SERVICES)
    assert found.kind == MatchKind.NONE and found.ids == []
    found = match("warehouse", SERVICES)
    assert found.kind == MatchKind.NONE
    assert len(found.suggestions) <= 3


def test_matching_ten_thousand_names_is_one_pass():
    many = [Candidate(i, (f"Service {i}", f"Customer {i}"), f"Customer {i} · Service {i}") for i in range(10_000)]
    many.append(Candidate(99_999, ("ERP Go-Live", "Precision Components"), "Precision Components · ERP Go-Live"))
    assert match("precison", many).ids == [99_999]


def reference_match(query: str, candidates) -> Match:
    """The rules as first written, one name at a time, nothing cached: what `match` must agree with."""
    def folded(text):
        return " ".join(text.casefold().split())

    wanted = folded(query)
    exact = [c.id for c in candidates if any(folded(n) == wanted for n in (*c.names, c.label))]
    inside = [c.id for c in candidates if any(wanted in folded(n) for n in c.names)]
    for ids in (exact, inside):
        if ids:
            return Match(MatchKind.ONE if len(ids) == 1 else MatchKind.SEVERAL, ids[:MAX_CHOICES], [])
    strings, owners = [], []
    for index, candidate in enumerate(candidates):
        for name in candidate.names:
            for piece in {name, *name.split()}:
                strings.append(piece)
                owners.append(index)
    best: dict[int, float] = {}
    for _, score, position in process.extract(wanted, strings, scorer=fuzz.ratio, processor=utils.default_process,
                                              score_cutoff=FUZZY_CUTOFF, limit=None):
        best[owners[position]] = max(best.get(owners[position], 0), score)
    ranked = sorted(best, key=lambda i: (-best[i], candidates[i].label))
    if not ranked:
        found = process.extract(wanted, [c.label for c in candidates], scorer=fuzz.WRatio,
                                processor=utils.default_process, limit=MAX_SUGGESTIONS, score_cutoff=1)
        return Match(MatchKind.NONE, [], [label for label, _, _ in found])
    if len(ranked) == 1 or best[ranked[0]] >= best[ranked[1]] + CLEAR_LEAD:
        return Match(MatchKind.ONE, [candidates[ranked[0]].id], [])
    return Match(MatchKind.SEVERAL, [candidates[i].id for i in ranked[:MAX_CHOICES]], [])


CUSTOMERS = ["Acorn", "Beacon", "Cobalt", "Dune", "Ember", "Straße", "École"]
KINDS = ["Analytics", "Corp", "LLC", "Logistics"]
SERVICE_NAMES = ["ERP Build", "ERP Training", "CRM Build", "Data Platform Training", "Go-Live", "Payments  Rollout"]


def portfolio(size: int) -> list[Candidate]:
    """Service names repeat across customers, as in a real portfolio; some labels repeat too."""
    made = []
    for i in range(size):
        customer = f"{CUSTOMERS[i % len(CUSTOMERS)]} {KINDS[i // len(CUSTOMERS) % len(KINDS)]}"
        if i % 97:
            customer = f"{customer} {i // 28}"
        service = SERVICE_NAMES[i % len(SERVICE_NAMES)]
        made.append(Candidate(i, (service, customer, f"{customer} {service}"), f"{customer} · {service}"))
    return made


QUERIES = [
    "Acorn Analytics 3 ERP Build", "acorn analytics 3 · erp build", "  ERP   BUILD ", "erp build", "Build", "acorn",
    "strasse", "STRASSE LOGISTICS", "école corp", "Ecole", "Cobalt Analytics", "Cobalt Analytic", "Cbolat Anlaytics",
    "Aconr Analytics 3 ERP Build", "Payments Rollout", "paymnts", "Go-Liev", "CRM Biuld", "Dune", "dnue",
    "zzzqqq", "warehouse", "", "3", "Ember Corp 12", "Ember Crop 12", "·",
]


def test_many_candidates_match_exactly_as_the_rules_say():
    many = portfolio(3_000)
    kinds = set()
    for query in QUERIES:
        expected = reference_match(query, many)
        assert match(query, many) == expected, query
        assert match(query, many) == expected, f"{query}, again (from the caches)"
        kinds.add(expected.kind)
    assert kinds == set(MatchKind)


def test_small_sets_with_odd_names_match_exactly_as_the_rules_say():
    odd = [
        Candidate(1, (), "Nameless · Label"),
        Candidate(2, ("  ", "Straße"), "Straße ·  "),
        Candidate(3, ("\tTab\nName", "ΣΊΣΥΦΟΣ"), "Same Label"),
        Candidate(4, ("Tab Name", "σίσυφος"), "Same Label"),
        Candidate(5, ("Tab Nmae", "Delta Corp"), "Same Label"),
    ]
    for query in ["", " ", "tab name", "TAB", "Tab Nam", "strasse", "σίσυφοσ", "nameless · label", "Same label",
                  "same lable", "Delta", "Detla Crop", "zzz"]:
        assert match(query, odd) == reference_match(query, odd), query
    assert match("anything", []) == reference_match("anything", []) == Match(MatchKind.NONE, [], [])


def test_a_renamed_candidate_is_matched_by_its_new_name_not_a_cached_one():
    before = [Candidate(1, ("ERP Go-Live", "Precision Components"), "Precision Components · ERP Go-Live")]
    assert match("erp go-live", before).ids == [1]
    after = [Candidate(1, ("CRM Rollout", "Precision Components"), "Precision Components · CRM Rollout")]
    assert match("erp go-live", after).kind == MatchKind.NONE
    assert match("crm rollout", after).ids == [1]


def test_fuzzy_ties_keep_the_label_then_portfolio_order():
    tied = [
        Candidate(7, ("Gamma",), "Zed"),
        Candidate(8, ("Gamme",), "Alpha"),
        Candidate(9, ("Gamme",), "Alpha"),
        Candidate(6, ("Gammy",), "Alpha"),
    ]
    found = match("gammo", tied)  # 80 for each: not inside any name, the same score for all
    assert found == reference_match("gammo", tied)
    assert (found.kind, found.ids) == (MatchKind.SEVERAL, [8, 9, 6, 7])


def test_fuzzy_scoring_and_suggestions_see_at_most_the_start_of_a_long_query(monkeypatch):
    """A lookup costs the query's length times each name's: bounded whatever is typed."""
    seen: list[int] = []
    extract = process.extract

    def measured(query, *args, **kwargs):
        seen.append(len(query))
        return extract(query, *args, **kwargs)

    monkeypatch.setattr(process, "extract", measured)
    for query in ("q" * 5_000, "precison " * 1_000, "x" * MAX_FUZZY_QUERY):
        assert match(query, SERVICES).kind == MatchKind.NONE
    assert seen and max(seen) == MAX_FUZZY_QUERY


def test_a_long_query_still_matches_exactly_and_by_part():
    long_name = "Precision Components " + "very " * 100 + "long"
    candidates = [*SERVICES, Candidate(9, (long_name,), long_name)]
    assert match(long_name.upper(), candidates).ids == [9]
    assert match(long_name[5:-3], candidates).ids == [9]


def test_command_text_over_the_limit_is_refused_with_what_to_type_instead():
    parse_command("status " + "x" * (MAX_COMMAND_CHARS - len("status ")))
    for text in ("status " + "x" * MAX_COMMAND_CHARS, "x" * 1_000_000, " " * (MAX_COMMAND_CHARS + 1)):
        try:
            parse_command(text)
        except UsageError as problem:
            assert f"{len(text):,} characters" in str(problem) and "/delivery status Delta" in str(problem)
        else:
            raise AssertionError("over-long text was accepted")
