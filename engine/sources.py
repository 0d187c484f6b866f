"""The articles and advice items pack rules cite (policies/sources.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .yamlio import load_document, plain

__all__ = ["Article", "AdviceItem", "Library", "library"]


@dataclass(frozen=True)
class Article:
    key: str
    title: str
    publisher: str


@dataclass(frozen=True)
class AdviceItem:
    id: str
    summary: str
    articles: tuple[str, ...]


@dataclass(frozen=True)
class Library:
    articles: dict[str, Article]
    items: dict[str, AdviceItem]


@lru_cache(maxsize=1)
def library() -> Library:
    """The shipped source library (read once)."""
    from .bundled import files

    text = files("followup.policies").joinpath("sources.yaml").read_text(encoding="utf-8")
    doc, problem = load_document(text, "sources.yaml")
    if problem is not None:  # a packaging bug, not user input
        raise RuntimeError(str(problem))
    data = plain(doc.data)  # type: ignore[union-attr]
    articles = {k: Article(k, v["title"], v["publisher"]) for k, v in data["articles"].items()}
    items = {k: AdviceItem(k, v["summary"], tuple(v["articles"])) for k, v in data["items"].items()}
    return Library(articles, items)
