"""Users, their tokens and browser sessions (the ``users`` and ``sessions`` tables).

A token is ``cbt_`` plus 32 random bytes (``secrets.token_urlsafe``, 256 bits); only its
sha256 is stored. A fast hash is enough here, and the right one: slow password hashes
(bcrypt, scrypt, argon2) exist to make guessing a *low-entropy* secret expensive, whereas
nobody can enumerate 2**256 tokens whatever the hash costs; and a plain digest lets a
request's token be found with one indexed lookup instead of trying every user's salt. A
stolen database therefore gives no usable token. A session cookie is made and kept the
same way (``sessions.session_hash``).
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from typing import Any

from ..errors import DeskError
from .desk_tables import ROLES, DeskTables

TOKEN_PREFIX = "cbt_"
SESSION_PREFIX = "cbs_"
_USER_COLS = "id, name, role, created, rotated, revoked"


def digest(secret: str) -> str:
    """The stored form of a token or session cookie."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise DeskError(f"unknown role {role!r} (known: {', '.join(ROLES)})", "invalid")
    return role


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 64 or any(c.isspace() or not c.isprintable() for c in name):
        raise DeskError("a user name is 1 to 64 printable characters without spaces", "invalid")
    return name


class DeskUsers(DeskTables):
    """Users, tokens and sessions."""

    def add_user(self, name: str, role: str) -> tuple[dict[str, Any], str]:
        """A new user: (their row, their token). The token is returned here only."""
        name, role = check_name(name), check_role(role)
        token = new_secret(TOKEN_PREFIX)
        now = self.now()
        try:
            with self.tx():
                self.db.execute("INSERT INTO users (name, role, token_hash, created, rotated) VALUES (?, ?, ?, ?, ?)",
                                (name, role, digest(token), now, now))
        except sqlite3.IntegrityError:
            raise DeskError(f"there is a user named {name!r} already", "conflict") from None
        return self.user(name), token  # type: ignore[return-value]

    def user(self, name: str) -> dict[str, Any] | None:
        return self._one(f"SELECT {_USER_COLS} FROM users WHERE name = ?", (name,))

    def users(self) -> list[dict[str, Any]]:
        """Every user, without any secret."""
        return self._rows(f"SELECT {_USER_COLS} FROM users ORDER BY name")

    def has_users(self) -> bool:
        return self.db.execute("SELECT 1 FROM users WHERE revoked = 0 LIMIT 1").fetchone() is not None

    def _need(self, name: str) -> dict[str, Any]:
        u = self.user(name)
        if u is None:
            raise DeskError(f"there is no user named {name!r}", "not_found")
        return u

    def revoke_user(self, name: str) -> dict[str, Any]:
        """Revoke a user's token and end their sessions (their notes and audit rows stay)."""
        self._need(name)
        with self.tx():
            self.db.execute("UPDATE users SET revoked = 1, token_hash = ? WHERE name = ?",
                            (digest(new_secret("revoked_")), name))
            self.db.execute("DELETE FROM sessions WHERE user_name = ?", (name,))
        return self._need(name)

    def rotate_token(self, name: str) -> tuple[dict[str, Any], str]:
        """A new token for a user (the old one stops working, and so do their sessions)."""
        u = self._need(name)
        if u["revoked"]:
            raise DeskError(f"user {name!r} is revoked; add a user under a new name instead", "forbidden")
        token = new_secret(TOKEN_PREFIX)
        with self.tx():
            self.db.execute("UPDATE users SET token_hash = ?, rotated = ? WHERE name = ?", (digest(token), self.now(), name))
            self.db.execute("DELETE FROM sessions WHERE user_name = ?", (name,))
        return self._need(name), token

    def user_for_token(self, token: str) -> dict[str, Any] | None:
        """The (not revoked) user whose token this is, or None."""
        if not token or len(token) > 200:
            return None
        return self._one(f"SELECT {_USER_COLS} FROM users WHERE token_hash = ? AND revoked = 0", (digest(token),))

    # -- browser sessions --------------------------------------------------------------------------
    def new_session(self, name: str, ttl_s: float) -> str:
        """A session for ``name`` lasting ``ttl_s``: the cookie's value (returned here only)."""
        cookie = new_secret(SESSION_PREFIX)
        now = self.now()
        with self.tx():
            self.db.execute("DELETE FROM sessions WHERE expires < ?", (now,))
            self.db.execute("INSERT INTO sessions (session_hash, user_name, created, expires) VALUES (?, ?, ?, ?)",
                            (digest(cookie), name, now, now + ttl_s))
        return cookie

    def session_user(self, cookie: str) -> dict[str, Any] | None:
        """The user of a live session cookie (not expired, user not revoked), or None."""
        if not cookie or len(cookie) > 200:
            return None
        return self._one(
            "SELECT u.id, u.name, u.role, u.created, u.rotated, u.revoked FROM sessions s JOIN users u"
            " ON u.name = s.user_name WHERE s.session_hash = ? AND s.expires > ? AND u.revoked = 0",
            (digest(cookie), self.now()))

    def end_session(self, cookie: str) -> None:
        with self.tx():
            self.db.execute("DELETE FROM sessions WHERE session_hash = ?", (digest(cookie),))


__all__ = ["DeskUsers", "SESSION_PREFIX", "TOKEN_PREFIX", "check_name", "check_role", "digest", "new_secret"]
