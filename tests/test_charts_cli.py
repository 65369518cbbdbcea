"""`delivery-bot ask trends --charts DIR` (issue 22): the answer as text, then the charts written as PNG
files into DIR, each path printed with its alt text; a command without charts says so."""

from __future__ import annotations

from fake_slack_files import png_size
from test_cli import run_cli


def test_ask_trends_writes_the_charts_and_prints_their_paths_and_alt_text(tmp_path):
    run_cli("demo", "--quiet", cwd=tmp_path)
    folder = tmp_path / "charts" / "today"
    result = run_cli("ask", "trends", "--charts", str(folder), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Trends · last 8 weeks" in result.stdout and "Health mix" in result.stdout
    assert "Charts: sent to you in a DM" not in result.stdout, "a terminal answer sends nothing to Slack"
    written = sorted(path.name for path in folder.iterdir())
    assert written == ["billable.png", "compliance.png", "health-mix.png"]
    for name in written:
        assert png_size((folder / name).read_bytes()) == (800, 400)
        assert f"{folder / name}\n  " in result.stdout
    charts = result.stdout.split("\nCharts:\n", 1)[1]
    assert "Health mix, last 8 weeks (computed health" in charts and " on track, " in charts
    assert "Targets: on schedule 90%, SLA 95%" in charts and "Billable share by person" in charts


def test_ask_charts_of_an_answer_without_charts_says_so(tmp_path):
    run_cli("demo", "--quiet", cwd=tmp_path)
    result = run_cli("ask", "status", "--charts", str(tmp_path / "none"), cwd=tmp_path)
    assert result.returncode == 1 and "`/delivery status` has no charts" in result.stderr
    assert "active services" in result.stdout and not (tmp_path / "none").exists()
