"""The desk's part of the ``Archive`` face: users and tokens, logins, notes, the audit log.

``Archive`` inherits these methods (``DeskFace``); they run on the archive's own connection
(``_store.db``), so they work the same on the embedded archive and on PostgreSQL. Every
change to users, every login and every note written here is also appended to the audit log
with who did it and from where (``actor``, ``address``: the CLI passes ``local`` / ``cli``).

Secrets (tokens, session cookies) are returned once, by the call that makes them, and never
stored, logged or written to the audit log: only their sha256 is kept (``_store.desk_users``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ._store.notes import DeskStore
from .errors import DeskError, LoginRefused
from .model import paragraph_anchors

if TYPE_CHECKING:
    from ._store import SQLiteStore

LOCAL_USER = "local"
"""The author and actor of what is done on this machine without a user (the CLI, or the web
server's own ``CABLEBASE_WEB_TOKEN``)."""
LOGIN_FAILED = "login.failed"


def note_out(n: dict[str, Any]) -> dict[str, Any]:
    """A note as the API and exports give it."""
    return {"id": n["id"], "target": n["target"], "ref_id": n["ref_id"], "paragraph": n["paragraph"],
            "article_id": n["article_id"], "author": n["author"], "text": n["text"], "version": n["version"],
            "created": n["created"], "updated": n["updated"]}


class DeskFace:
    """Users, tokens, sessions, notes and the audit log (mixed into ``Archive``)."""

    _desk_store: DeskStore | None = None

    if TYPE_CHECKING:
        _store: SQLiteStore

        def resolve(self, name: str) -> list[str]: ...
        def get(self, ref_id: str) -> Any: ...
        @property
        def channels(self) -> Any: ...

    @property
    def desk(self) -> DeskStore:
        """The desk's tables on this archive's connection (made on first use)."""
        if self._desk_store is None or not self._desk_store.ready:
            self._desk_store = DeskStore(self._store.db)
        return self._desk_store

    @property
    def _desk_read(self) -> DeskStore | None:
        """The desk's tables for reading, or None while the archive has none (nothing is
        created by a read: a read-only archive of an older cablebase still serves its pages)."""
        if self._desk_store is None or not self._desk_store.ready:
            self._desk_store = DeskStore(self._store.db, create=False)
        return self._desk_store if self._desk_store.ready else None

    # -- users -----------------------------------------------------------------------------
    def add_user(self, name: str, role: str, *, actor: str = LOCAL_USER, address: str | None = "cli") -> tuple[dict[str, Any], str]:
        """A new user with ``role`` (reader, editor, admin): (the user, their token — shown once)."""
        with self.desk.tx():
            user, token = self.desk.add_user(name, role)
            self.desk.audit("user.add", actor=actor, target=user["name"], address=address, detail={"role": role})
        return user, token

    def users(self) -> list[dict[str, Any]]:
        """Every user (name, role, created, rotated, revoked), without secrets."""
        d = self._desk_read
        return d.users() if d else []

    def revoke_user(self, name: str, *, actor: str = LOCAL_USER, address: str | None = "cli") -> dict[str, Any]:
        """Stop a user's token and sessions working (notes and audit rows keep their name)."""
        with self.desk.tx():
            u = self.desk.revoke_user(name)
            self.desk.audit("user.revoke", actor=actor, target=name, address=address)
        return u

    def rotate_token(self, name: str, *, actor: str = LOCAL_USER, address: str | None = "cli") -> tuple[dict[str, Any], str]:
        """A new token for a user (the old one and their sessions stop working): (user, token)."""
        with self.desk.tx():
            u, token = self.desk.rotate_token(name)
            self.desk.audit("user.rotate", actor=actor, target=name, address=address)
        return u, token

    def user_for_token(self, token: str) -> dict[str, Any] | None:
        """The user a bearer token belongs to (None: no such token, or revoked)."""
        d = self._desk_read
        return d.user_for_token(token) if d else None

    def has_users(self) -> bool:
        d = self._desk_read
        return d.has_users() if d else False

    # -- logins and sessions ---------------------------------------------------------------------
    def login(self, name: str, token: str, *, address: str | None, ttl_s: float = 12 * 3600,
              max_failures: int = 5, window_s: float = 300.0) -> tuple[dict[str, Any], str]:
        """Log a browser in with a user's name and token: (the user, the session cookie's value).

        ``LoginRefused`` when the name and token do not match (``retry_after`` None), or when
        ``max_failures`` logins failed within ``window_s`` from ``address`` or for ``name``
        (``retry_after``: seconds until the oldest of them leaves the window). Every attempt
        is in the audit log (the token never is)."""
        d = self.desk
        now = d.now()
        name = (name or "").strip()[:64]
        for key in ({"address": address}, {"actor": name}):
            n, oldest = d.recent_failures(LOGIN_FAILED, since=now - window_s, **key)  # type: ignore[arg-type]
            if n >= max_failures:
                wait = max(1.0, (oldest or now) + window_s - now)
                d.audit("login.limited", actor=name, address=address, status=429)
                raise LoginRefused("too many failed logins; try again later", retry_after=wait)
        user = d.user_for_token(token)
        if user is None or user["name"] != name:
            d.audit(LOGIN_FAILED, actor=name, address=address, status=401)
            raise LoginRefused("wrong name or token")
        with d.tx():
            cookie = d.new_session(name, ttl_s)
            d.audit("login", actor=name, role=user["role"], address=address, status=303)
        return user, cookie

    def session_user(self, cookie: str) -> dict[str, Any] | None:
        """The user of a live browser session (None: unknown, expired, or the user revoked)."""
        d = self._desk_read
        return d.session_user(cookie) if d else None

    def logout(self, cookie: str, *, address: str | None = None) -> None:
        user = self.desk.session_user(cookie)
        with self.desk.tx():
            self.desk.end_session(cookie)
            if user is not None:
                self.desk.audit("logout", actor=user["name"], role=user["role"], address=address)

    # -- notes -----------------------------------------------------------------------------
    def note_target(self, target: str | int) -> dict[str, Any]:
        """What a note's target names: ``{"target", "ref_id", "paragraph", "article_id"}``.
        ``REF`` (any name of a cable), ``REF#par10`` (or ``REF#10``: its paragraph 10), an
        article's id (a number, or ``article:12``). ``DeskError`` (not_found) if there is none."""
        if isinstance(target, bool):
            raise DeskError("a note's target is a cable (REF), a paragraph (REF#parN) or an article id", "invalid")
        raw = str(target).strip()
        art = raw[len("article:"):] if raw.lower().startswith("article:") else raw
        if isinstance(target, int) or art.isdigit():
            aid = int(art)
            if self.channels.get_article(aid) is None:
                raise DeskError(f"there is no article {aid}", "not_found")
            return {"target": f"article:{aid}", "ref_id": None, "paragraph": None, "article_id": aid}
        name, _, par = raw.partition("#")
        refs = self.resolve(name.strip()) if name.strip() else []
        if not refs:
            raise DeskError(f"there is no cable {name.strip()[:80]!r} in this archive", "not_found")
        ref = refs[0]
        if not par:
            return {"target": ref, "ref_id": ref, "paragraph": None, "article_id": None}
        anchor = f"par{par}" if par.isdigit() else par
        cable = self.get(ref)
        anchors = paragraph_anchors([p.number for p in cable.paragraphs]) if cable is not None else []
        if anchor not in anchors:
            raise DeskError(f"cable {ref} has no paragraph {par[:20]!r}", "not_found")
        return {"target": f"{ref}#{anchor}", "ref_id": ref, "paragraph": anchor, "article_id": None}

    def add_note(self, target: str | int, text: str, *, author: str = LOCAL_USER,
                 address: str | None = "cli") -> dict[str, Any]:
        """A new note on a cable, a paragraph or an article (see ``note_target``)."""
        t = self.note_target(target)
        with self.desk.tx():
            n = self.desk.add_note(author=author, text=text, **t)
            self.desk.audit("note.add", actor=author, target=f"note:{n['id']}", address=address,
                            detail={"on": n["target"], "version": 1})
        return note_out(n)

    def edit_note(self, note_id: int, text: str, *, author: str = LOCAL_USER,
                  address: str | None = "cli") -> dict[str, Any]:
        """A new version of a note's text, by its author only (``DeskError`` forbidden otherwise)."""
        with self.desk.tx():
            n = self.desk.edit_note(note_id, author=author, text=text)
            self.desk.audit("note.edit", actor=author, target=f"note:{note_id}", address=address,
                            detail={"on": n["target"], "version": n["version"]})
        return note_out(n)

    def note(self, note_id: int) -> dict[str, Any] | None:
        d = self._desk_read
        n = d.note(note_id) if d else None
        return note_out(n) if n else None

    def note_history(self, note_id: int) -> list[dict[str, Any]]:
        """Every version of a note's text, oldest first (``DeskError`` if there is no note)."""
        d = self._desk_read
        if d is None or d.note(note_id) is None:
            raise DeskError(f"there is no note {note_id}", "not_found")
        return d.note_history(note_id)

    def notes_on(self, target: str | int) -> list[dict[str, Any]]:
        """The notes on a target: for a cable, those on it and on each of its paragraphs;
        for a paragraph, those on it; for an article, those on it."""
        t = self.note_target(target)
        d = self._desk_read
        if d is None:
            return []
        if t["article_id"] is not None:
            rows = d.notes_for(article_id=t["article_id"])
        else:
            rows = d.notes_for(ref_ids=[t["ref_id"]])
            if t["paragraph"]:
                rows = [r for r in rows if r["paragraph"] == t["paragraph"]]
        return [note_out(r) for r in rows]

    def notes(self) -> Iterator[dict[str, Any]]:
        """Every note, by id (``cablebase notes export``)."""
        d = self._desk_read
        return (note_out(n) for n in (d.iter_notes() if d else ()))

    def notes_version(self) -> int:
        """A number that changes whenever a note is made or edited."""
        d = self._desk_read
        return d.notes_version() if d else 0

    # -- the audit log -----------------------------------------------------------------------
    def record(self, action: str, *, actor: str | None, role: str | None = None, target: str | None = None,
               status: int | None = None, address: str | None = None, detail: dict[str, Any] | None = None) -> None:
        """Append a row to the audit log (there is no way to change or remove one)."""
        self.desk.audit(action, actor=actor, role=role, target=target, status=status, address=address, detail=detail)

    def audit_log(self, *, limit: int = 100, before: int | None = None, actor: str | None = None,
                  action: str | None = None) -> list[dict[str, Any]]:
        """The audit log, latest first (``before``: rows older than that id)."""
        d = self._desk_read
        return d.audit_rows(limit=max(1, min(limit, 1000)), before=before, actor=actor, action=action) if d else []


__all__ = ["DeskFace", "LOCAL_USER", "note_out"]
