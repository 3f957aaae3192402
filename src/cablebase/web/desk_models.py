"""Request and response bodies of the team server's JSON API (notes, audit, users), for the
OpenAPI document at ``/docs``."""

from __future__ import annotations

from typing import Optional, Union

from pydantic import BaseModel, Field


class NoteIn(BaseModel):
    target: Union[int, str] = Field(description='A cable ("07MEXICO983"), a paragraph of one ("07MEXICO983#par10") '
                                    "or an article's id (12, or \"article:12\")")
    text: str = Field(description="The note (plain text; HTML is sanitised when shown, like articles)")


class NoteEdit(BaseModel):
    text: str = Field(description="The note's new text (the old one stays in its history)")


class NoteOut(BaseModel):
    id: int
    target: str = Field(description="What the note is on, as stored: REF, REF#parN or article:ID")
    ref_id: Optional[str] = None
    paragraph: Optional[str] = Field(None, description="The paragraph's anchor on the cable page (par10)")
    article_id: Optional[int] = None
    author: str
    text: str
    version: int = Field(description="1 for a note never edited")
    created: float = Field(description="Unix seconds")
    updated: float


class NotesOut(BaseModel):
    target: Optional[str] = None
    notes: list[NoteOut]


class NoteVersionOut(BaseModel):
    version: int
    text: str
    author: str
    edited: float


class NoteHistoryOut(BaseModel):
    id: int
    versions: list[NoteVersionOut]


class UserIn(BaseModel):
    name: str = Field(description="The user's name (1 to 64 printable characters, no spaces)")
    role: str = Field("reader", description="reader, editor or admin")


class UserToken(BaseModel):
    name: str
    role: str
    token: str = Field(description="The user's token: returned this once, never again (only its sha256 is kept)")


class UserOut(BaseModel):
    name: str
    role: str
    created: float
    rotated: float
    revoked: int = Field(description="1 once revoked")


class UsersOut(BaseModel):
    users: list[UserOut]
