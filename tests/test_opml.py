"""OPML subscription lists (``parse.subscriptions.parse_opml``) in the forms readers export."""

from __future__ import annotations

from cablebase.parse.subscriptions import parse_opml, write_opml


def test_namespaced_opml_2_is_read() -> None:
    doc = (b'<?xml version="1.0"?><opml xmlns="http://opml.org/spec2" version="2.0"><body>'
           b'<outline text="Leaks"><outline text="Opera" xmlUrl="http://a.example/feed/"/></outline></body></opml>')
    [f] = parse_opml(doc)
    assert (f.url, f.title, f.channel) == ("http://a.example/feed/", "Opera", "Leaks")


def test_attribute_case_category_and_lists_of_lists() -> None:
    doc = (b'<opml version="1.0"><body>'
           b'<outline title="B" XMLURL="http://b.example/f.xml" category="/Cuba/Havana,/Other"/>'
           b'<outline type="source" text="another list" xmlUrl="http://c.example/list.opml"/>'
           b'<outline type="link" text="a page" xmlUrl="http://d.example/"/>'
           b'<outline text="javascript" xmlUrl="javascript:alert(1)"/>'
           b'</body></opml>')
    assert [(f.url, f.channel) for f in parse_opml(doc)] == [("http://b.example/f.xml", "Cuba")]


def test_written_opml_reads_back() -> None:
    text = write_opml({"Opera Leaks » Cuba": [("http://a.example/f.xml", "A & B")], None: [("http://b.example/", None)]})
    got = sorted((f.url, f.title, f.channel) for f in parse_opml(text.encode()))
    assert got == [("http://a.example/f.xml", "A & B", "Opera Leaks » Cuba"), ("http://b.example/", "http://b.example/", None)]  # no title: the URL is written
