"""Date stage: date mentions in Arabic news text, and publication dates of pages.

Pure functions, no Prefect. Everything is matched on text folded by
`akhbar.arabic.fold_with_offsets` (so every pattern is written in folded
form: ايار not أيار, جويليه not جويلية, ه for ة/هـ), and spans are mapped back to
the original text.

Values are ISO 8601 strings at the precision the text states, never finer:
"YYYY", "YYYY-MM", "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][±HH:MM|Z]", "YYYY-Www" (an ISO
week), "YYYY-SP" (seasons SP/SU/FA/WI), "--MM" / "--MM-DD" (no knowable year), "THH:MM[Z]"
(a time alone) or an English weekday name (a weekday no reference can resolve).

Relative expressions (weekdays, أمس, منذ 3 أيام, الشهر الماضي ...) are resolved
against `reference`, the publication date; without a reference, weekdays come
out as weekday names, months without a year as "--MM", and purely relative
expressions (أمس, الشهر الماضي ...) are left out because they have no value.

The modules (docs/dates.md has the coverage table):
    lexicon         month, weekday, Hijri and regional names, and the regex fragments built from them
    patterns        the compiled grammar and the substring triggers that gate it
    values          value helpers (month names, years, days, times, weekdays)
    candidates      the candidate builders of the core grammar
    relative, holidays, numbers, widgets
                    relative expressions, holidays and Hijri days without a year, written-out numbers,
                    widget dates (matching: the trigger-anchored matching they share)
    trigger         the rules that may match in a text: every rule pattern rewritten as an RE2 superset,
                    all matched at once (google-re2 set); extract_mentions runs only those rules
    mentions        extract_mentions: gates, candidates, selection
    published       publication dates from a record field, header lines, the URL; the plausibility guard
    published_html  publication dates from a page's HTML (HTML_DATE_READERS)
    stage           the pipeline stage (dates_shard, dates_task)
"""

from akhbar.tasks.dates.mentions import DateMention, extract_mentions
from akhbar.tasks.dates.published import (
    PublicationDate,
    plausible_published,
    publication_date,
    publication_date_from_field,
    publication_date_from_header,
    publication_date_from_url,
)
from akhbar.tasks.dates.published_html import (
    HTML_DATE_READERS,
    publication_date_by,
    publication_date_from_html,
    publication_date_from_page_line,
)
from akhbar.tasks.dates.stage import dates_shard, dates_task

__all__ = [
    "HTML_DATE_READERS",
    "DateMention",
    "PublicationDate",
    "dates_shard",
    "dates_task",
    "extract_mentions",
    "plausible_published",
    "publication_date",
    "publication_date_by",
    "publication_date_from_field",
    "publication_date_from_header",
    "publication_date_from_html",
    "publication_date_from_page_line",
    "publication_date_from_url",
]
