"""Name matching: exact, substring, close misspellings, choices, and the closest names."""

from store.rules.matching import Candidate, MatchKind, match

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
