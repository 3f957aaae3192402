"""No dead end on the command line (issue 17): each refusal names what to do, pasteable as
printed; no traceback; the exit status says when something failed. Run as a user runs them: a
separate process (the feed-preparation workers' output would reach the terminal too)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Opera Leaks » Cuba</title>
<link>http://example.org/</link><item><title>Despacho revela temor</title><link>http://example.org/p/1</link>
<guid>p1</guid><description>Cable 07MEXICO983 says so.</description></item></channel></rss>"""


def cablebase(db: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    e = {k: v for k, v in os.environ.items() if k != "CABLEBASE_NET_ALLOW"}
    e.update({"CABLEBASE_DB": str(db), **(env or {})})
    return subprocess.run([sys.executable, "-c", "from cablebase.cli import app; app()", *args],
                          capture_output=True, text=True, env=e, timeout=120)


def test_feed_add_of_a_loopback_url_names_the_setting_once(tmp_path):
    url = "http://127.0.0.1:9/feed/"
    r = cablebase(tmp_path / "db", "feed", "add", url)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "CABLEBASE_NET_ALLOW" in r.stderr and "CABLEBASE_NET_ALLOW=127.0.0.1" in r.stderr
    assert r.stderr.count(url) == 1, r.stderr
    r = cablebase(tmp_path / "db", "feed", "add", "http://10.1.2.3/rss")
    assert r.returncode == 1 and "CABLEBASE_NET_ALLOW=10.1.2.3" in r.stderr and r.stderr.count("10.1.2.3/rss") == 1


def test_poll_all_with_failing_feeds_exits_non_zero_without_traceback(tmp_path):
    db = tmp_path / "db"
    feed = tmp_path / "cuba.xml"
    feed.write_text(RSS, encoding="utf-8")
    assert cablebase(db, "feed", "add", str(feed)).returncode == 0
    for url in ("http://127.0.0.1:9/feed/", "http://feeds.example.invalid/rss"):
        assert cablebase(db, "feed", "add", url, "--no-fetch").returncode == 0
    r = cablebase(db, "poll", "--all")
    assert "Traceback" not in r.stderr and "BrokenPipe" not in r.stderr + r.stdout, r.stderr
    assert r.returncode == 1 and "2 failed" in r.stdout
    assert r.stderr.count("http://127.0.0.1:9/feed/") == 1
    r = cablebase(db, "poll", "--all", "--json")
    assert r.returncode == 1 and "Traceback" not in r.stderr


def test_channel_show_suggests_a_command_that_works_when_pasted(tmp_path):
    db = tmp_path / "db"
    feed = tmp_path / "cuba.xml"
    feed.write_text(RSS, encoding="utf-8")
    assert cablebase(db, "feed", "add", str(feed), "--channel", "Opera Leaks » Cuba").returncode == 0
    assert cablebase(db, "poll").returncode == 0
    r = cablebase(db, "channel", "show", "Opera Leaks » Cuba")
    assert r.returncode == 0 and "\\u00bb" not in r.stdout
    line = next(l for l in r.stdout.splitlines() if "Browse all" in l)
    cmd = shlex.split(line.split(": ", 1)[1])
    assert cmd == ["cablebase", "channel", "show", "Opera Leaks » Cuba", "--all"]
    r2 = cablebase(db, *cmd[1:])
    assert r2.returncode == 0 and "Despacho revela temor" in r2.stdout
    r = cablebase(db, "channel", "show", "Opera Leaks")
    assert r.returncode == 1 and "cablebase channel list" in r.stderr and "Traceback" not in r.stderr


def test_stage_progress_off_a_terminal_prints_count_rate_and_eta():
    import io

    from rich.console import Console

    from cablebase.cli_progress import LINE_EVERY_S, stage_progress

    buf = io.StringIO()
    now = [100.0]
    with stage_progress(Console(file=buf, force_terminal=False, width=200), "enriching", "documents",
                        clock=lambda: now[0]) as progress:
        progress(0, 1000)
        now[0] += 1.0
        progress(50, 1000)  # within LINE_EVERY_S of the last line: not printed
        now[0] += LINE_EVERY_S
        progress(250, 1000)
        now[0] += 5.0
        progress(1000, 1000)
    lines = buf.getvalue().splitlines()
    assert lines[0] == "enriching: 0/1,000 documents (0%), 0.0 documents/s, 0 s elapsed"
    assert lines[1] == "enriching: 250/1,000 documents (25%), 22.7 documents/s, 11 s elapsed, ETA 33 s"
    assert lines[2] == "enriching: 1,000/1,000 documents (100%), 62.5 documents/s, 16 s elapsed"
    assert len(lines) == 3


def test_enrich_says_how_far_it_is(tmp_path):
    alx = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "cablegate-txt-alx" / "cables"
    if not alx.is_dir():
        pytest.skip("corpus not found")
    db = tmp_path / "db"
    assert cablebase(db, "ingest", str(alx)).returncode == 0
    r = cablebase(db, "enrich", "--no-similar")
    assert r.returncode == 0, r.stderr
    progress = [l for l in r.stderr.splitlines() if l.startswith("enriching: ")]
    assert progress[0].startswith("enriching: 0/2 documents") and progress[-1].startswith("enriching: 2/2 documents")
    assert all("documents/s" in l for l in progress)
