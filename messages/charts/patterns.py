"""The `/delivery patterns` chart: blocked days by blocker category, this period against the one before
(horizontal bars, categories with no blocked days in either period left out, and the alt text says
every figure). Drawn from the `PatternsReport` the answer was drawn from."""

from __future__ import annotations

from messages.charts import Chart, clip_alt
from messages.charts.canvas import FONT, GREY, RED, new_figure, png_of, style
from messages.charts.drafts import BLOCKERS, blockers_title, period_words
from store.readmodels.patterns import PatternsReport


def _days(days: float) -> str:
    return f"{days:.1f} days"


def _episodes(count: int) -> str:
    return f"{count} episode" if count == 1 else f"{count} episodes"


def blockers_chart(report: PatternsReport) -> Chart:
    """Blocked days by category in this period and the one before, most blocked first."""
    title = blockers_title(report)
    shown = [figure for figure in report.categories if figure.days or figure.days_before]
    figure = new_figure()
    axes = figure.add_axes((0.24, 0.15, 0.52, 0.7))
    if shown:
        labels = [f.category.label for f in reversed(shown)]
        rows = list(range(len(labels)))
        height = 0.38
        axes.barh([r + height / 2 for r in rows], [f.days for f in reversed(shown)], height=height, color=RED,
                  label=period_words(report.period))
        axes.barh([r - height / 2 for r in rows], [f.days_before for f in reversed(shown)], height=height,
                  color=GREY, alpha=0.6, label=period_words(report.before))
        axes.set_yticks(rows, labels=labels, fontsize=FONT)
        axes.set_xlabel("days blocked (each episode's days inside the period)", fontsize=FONT)
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=FONT - 1, frameon=False)
    else:
        axes.set_axis_off()
        axes.text(0.5, 0.5, "No deliverable was blocked in either period", ha="center", va="center",
                  fontsize=FONT + 1, transform=axes.transAxes)
    weeks = report.period.weeks
    style(axes, f"Blocked days by category, last {weeks} weeks vs the {weeks} before")
    figures = "; ".join(f"{f.category.label} {_days(f.days)} in {_episodes(f.episodes)}, before "
                        f"{_days(f.days_before)} in {f.episodes_before}" for f in shown) \
        or "no deliverable was blocked in either period"
    alt = (f"{title}: {period_words(report.period)} against {period_words(report.before)}. {figures}.")
    return Chart(BLOCKERS, title, png_of(figure), clip_alt(alt))
