"""Notes on cables, paragraphs and articles, with their edit history (``notes``, ``note_edits``).

A note's target is resolved by the caller (``Archive.add_note``): ``ref_id`` for a cable,
``ref_id`` and ``paragraph`` (the paragraph's anchor on the cable page, ``par10``) for a
paragraph, ``article_id`` for an article; ``target`` keeps what the user wrote. Only the
author may edit a note; every version of its text is kept in ``note_edits`` (version 1 is
the text it was made with), so an edit never loses what was there before.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import DeskError
from . import dialect
from .desk_users import DeskUsers

MAX_NOTE_CHARS = 20_000
_COLS = "id, target, ref_id, paragraph, article_id, author, text, version, created, updated"


def check_text(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise DeskError("a note needs some text", "invalid")
    if len(text) > MAX_NOTE_CHARS:
        raise DeskError(f"a note is at most {MAX_NOTE_CHARS} characters", "invalid")
    return text


def refs_with_note(db: Any, words: str) -> list[str]:
    """``note:`` in queries: the cables (ref_ids) with a note whose text holds ``words``
    (case-insensitive substring); none before any note was made."""
    if not dialect.tables(db, ("notes",)):
        return []
    pat = "%" + words.lower().replace("~", "~~").replace("%", "~%").replace("_", "~_") + "%"
    return [r[0] for r in db.execute(
        "SELECT DISTINCT ref_id FROM notes WHERE ref_id IS NOT NULL AND lower(text) LIKE ? ESCAPE '~'", (pat,))]


class NoteRecords(DeskUsers):
    """Notes and their history."""

    def add_note(self, *, target: str, author: str, text: str, ref_id: str | None = None,
                 paragraph: str | None = None, article_id: int | None = None) -> dict[str, Any]:
        text = check_text(text)
        now = self.now()
        with self.tx():
            nid = self.db.execute(
                "INSERT INTO notes (target, ref_id, paragraph, article_id, author, text, version, created, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id",
                (target, ref_id, paragraph, article_id, author, text, now, now)).fetchone()[0]
            self.db.execute("INSERT INTO note_edits (note_id, version, text, author, edited) VALUES (?, 1, ?, ?, ?)",
                            (nid, text, author, now))
        return self.note(nid)  # type: ignore[return-value]

    def note(self, note_id: int) -> dict[str, Any] | None:
        return self._one(f"SELECT {_COLS} FROM notes WHERE id = ?", (note_id,))

    def edit_note(self, note_id: int, *, author: str, text: str) -> dict[str, Any]:
        """A new version of a note's text, by its author only (``DeskError`` otherwise)."""
        text = check_text(text)
        with self.tx():
            n = self.note(note_id)
            if n is None:
                raise DeskError(f"there is no note {note_id}", "not_found")
            if n["author"] != author:
                raise DeskError(f"note {note_id} is {n['author']}'s: only its author may edit it", "forbidden")
            if n["text"] == text:
                return n
            now = self.now()
            version = n["version"] + 1
            self.db.execute("UPDATE notes SET text = ?, version = ?, updated = ? WHERE id = ?", (text, version, now, note_id))
            self.db.execute("INSERT INTO note_edits (note_id, version, text, author, edited) VALUES (?, ?, ?, ?, ?)",
                            (note_id, version, text, author, now))
        return self.note(note_id)  # type: ignore[return-value]

    def note_history(self, note_id: int) -> list[dict[str, Any]]:
        """Every version of a note's text, oldest first."""
        return self._rows("SELECT version, text, author, edited FROM note_edits WHERE note_id = ? ORDER BY version",
                          (note_id,))

    def notes_for(self, *, ref_ids: list[str] | None = None, article_id: int | None = None) -> list[dict[str, Any]]:
        """The notes on any of ``ref_ids`` (cables and their paragraphs), or on an article, oldest first."""
        if article_id is not None:
            return self._rows(f"SELECT {_COLS} FROM notes WHERE article_id = ? ORDER BY id", (article_id,))
        refs = list(dict.fromkeys(ref_ids or []))[:100]
        if not refs:
            return []
        return self._rows(f"SELECT {_COLS} FROM notes WHERE ref_id IN ({','.join('?' * len(refs))}) ORDER BY id", refs)

    def iter_notes(self) -> Iterator[dict[str, Any]]:
        """Every note, by id (for exports)."""
        last = 0
        while True:
            rows = self._rows(f"SELECT {_COLS} FROM notes WHERE id > ? ORDER BY id LIMIT 500", (last,))
            if not rows:
                return
            yield from rows
            last = rows[-1]["id"]

    def note_refs(self, words: str) -> list[str]:
        return refs_with_note(self.db, words)

    def notes_version(self) -> int:
        """Changes whenever a note is made or edited (for caches of pages that show notes)."""
        return int(self.db.execute("SELECT coalesce(max(id), 0) FROM note_edits").fetchone()[0])


class DeskStore(NoteRecords):
    """The desk: users, tokens, sessions, notes and the audit log over one connection."""


__all__ = ["DeskStore", "MAX_NOTE_CHARS", "NoteRecords", "check_text", "refs_with_note"]
