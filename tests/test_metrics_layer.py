"""One metric layer: every figure an answer shows is defined once, and the docs say the same."""

from pathlib import Path

from handlers.commands.answers import ANSWERS, FIGURES
from handlers.commands.parse import Subcommand
from messages.views import DIGEST_FIGURES, VIEWS
from store.enums import DigestKind
from store.metrics import METRICS, markdown

ROOT = Path(__file__).resolve().parents[1]


def test_docs_are_generated_from_the_definitions():
    assert (ROOT / "docs" / "metrics.md").read_text() == markdown(), "run: python -m store.metrics > docs/metrics.md"


def test_every_subcommand_is_answered_and_declares_its_figures():
    assert set(ANSWERS) == set(Subcommand)
    assert set(FIGURES) == set(Subcommand)


def test_every_digest_declares_its_figures():
    assert set(DIGEST_FIGURES) == set(DigestKind)


def test_every_declared_figure_is_defined_and_every_definition_is_shown_somewhere():
    views = [view.figures for view in VIEWS.values()]  # the SLA warnings' too, which no command answers
    declared = {key for keys in [*FIGURES.values(), *DIGEST_FIGURES.values(), *views] for key in keys}
    assert declared <= set(METRICS)
    assert set(METRICS) - declared == set(), "a definition no answer shows"


def test_every_definition_says_its_window():
    assert all(metric.formula and metric.window for metric in METRICS.values())
