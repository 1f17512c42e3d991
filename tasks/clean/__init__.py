"""The "clean" stage: boilerplate removal for flattened page text and for HTML.

Text path (`clean_text`, akhbar.tasks.clean.text): an Arabic-aware line classifier. Every non-empty input
line becomes a `Line` with a status ("kept" | "boilerplate" | "metadata") and a short
machine-readable reason. It works on structure (line length, sentence endings, runs of short lines,
bulleted lists, label-number tables, "name : comment" threads, Latin/digit noise on an Arabic page,
URLs) and on a cue lexicon (trailer starters such as "اقرأ أيضاً", share bars, labelled metadata
such as "المصدر:"). The lexicon and every threshold live in `boilerplate_rules.toml` (data, not
code, akhbar.tasks.clean.rules); cues are compared through the project's one normalizer,
`akhbar.arabic.normalize_arabic`, with the article "ال" folded away, so one entry covers all spellings.

HTML path (`clean_html`, akhbar.tasks.clean.html): trafilatura (settings chosen by measurement, see
bench/boilerplate.py) returns the paragraphs; metadata comes from trafilatura's own functions on the
same parsed tree (`page_metadata`), without the publication date, which the dates stage finds with
its evidence. `html_to_text_scrape` flattens HTML the way a browser's "select all, copy" does, so
the text path can be measured on the HTML dev pages too.

The shard glue (`clean_shard`, `clean_task`) is in akhbar.tasks.clean.stage; everything else is pure
functions with no Prefect import.
"""

from akhbar.tasks.clean.doc import BOILERPLATE, KEPT, METADATA, CleanedDoc, Line
from akhbar.tasks.clean.html import TRAFILATURA_SETTINGS, clean_html, html_to_text_scrape, page_metadata, parse_html
from akhbar.tasks.clean.keys import paragraph_keys
from akhbar.tasks.clean.rules import RULES_PATH, Rules, cue_key, load_rules
from akhbar.tasks.clean.stage import clean_shard, clean_task
from akhbar.tasks.clean.text import clean_text, clean_texts

__all__ = [
    "BOILERPLATE",
    "KEPT",
    "METADATA",
    "RULES_PATH",
    "TRAFILATURA_SETTINGS",
    "CleanedDoc",
    "Line",
    "Rules",
    "clean_html",
    "clean_shard",
    "clean_task",
    "clean_text",
    "clean_texts",
    "cue_key",
    "html_to_text_scrape",
    "load_rules",
    "page_metadata",
    "paragraph_keys",
    "parse_html",
]
