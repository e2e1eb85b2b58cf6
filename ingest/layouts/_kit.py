"""Shared helpers for saved-page parsers (plain text captured from registry and aggregator web pages).

Pages arrive as plain text: one visual line per line, labels and values either on one line
(``Label: value``, ``Label␣␣value``, ``Label : | value |``) or on consecutive lines (``Label``⏎value).
Many captures are cut at ~2,000 bytes; the last line of a cut capture is never trustworthy.
Nothing here decides a field from a page family's quirks: the family modules do that, using these
primitives (line access, label lookup, id finding, value normalization).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ingest import normalize as nz
from ingest.ids import find_ids
from ingest.model import TrialRecord

#: Captures were cut at this many bytes.
CAP_BYTES = 2000
#: A capture whose UTF-8 size falls in this window is considered to sit at the cap.
CAP_WINDOW = (1850, 2060)

_MD_ESCAPE = re.compile(r"\\([\[\]<>^*~&_#()!.`|+-])")
_TERMINAL = (".", "!", "?", ")", "]", '"', "”", "'", ";")
_SPACE_RUN = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


# ---------------------------------------------------------------------------------------------------
# text clean-up


def unescape_md(text: str) -> str:
    r"""Remove markdown backslash escapes (``\[ \] \> \< \^ \* \~ \&`` and similar).

    >>> unescape_md(r"PASI \>= 8, 10\^6/kg \[note\]")
    'PASI >= 8, 10^6/kg [note]'
    """
    return _MD_ESCAPE.sub(r"\1", text)


def fix_mojibake(text: str, *, equals_as_ge: bool = False) -> str:
    """Undo the ``≥`` damage seen in captures, for reading values (not for stored text).

    ``≄`` → ``≥`` always; ``?`` directly before a number (after a space, ``(`` or line start) → ``≥``;
    ``=`` before a number → ``≥`` only when ``equals_as_ge`` (WHO ICTRP, where ``≥``/``≤`` became ``=``).

    >>> fix_mojibake("age ?18 years, score ≄ 2")
    'age ≥18 years, score ≥ 2'
    >>> fix_mojibake("age = 18", equals_as_ge=True)
    'age ≥ 18'
    """
    text = text.replace("≄", "≥")
    text = re.sub(r"(^|[\s(])\?(?=\s?\d)", r"\1≥", text, flags=re.M)
    if equals_as_ge:
        text = re.sub(r"(^|[\s(])=(?=\s?\d)", r"\1≥", text, flags=re.M)
    return text


def normalize_page(text: str) -> str:
    """NFC, CRLF → LF, NBSP and odd spaces → one space per run inside lines, trailing spaces stripped.

    Runs of 2+ spaces are kept as two spaces (they separate labels from values on some sites).

    >>> normalize_page("Ages:\\u00a0\\u00a0 18 Years  \\r\\nNext")
    'Ages:  18 Years\\nNext'
    """
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for line in text.split("\n"):
        line = _SPACE_RUN.sub(lambda m: "  " if len(m.group()) > 1 else " ", line)
        out.append(line.rstrip())
    return "\n".join(out)


def label_key(label: str) -> str:
    """A label folded for lookup: lower case, bullets/``**``/``#`` and trailing ``:``/``?``/``|`` removed.

    >>> label_key("**Recruitment Status :** |"), label_key("- **NCT ID:**"), label_key("Accepts Healthy Volunteers?")
    ('recruitment status', 'nct id', 'accepts healthy volunteers')
    """
    key = label.strip().lower().replace("**", "")
    key = re.sub(r"^(?:[-*•·]\s+|#+\s*)", "", key)
    key = re.sub(r"[\s:?|]+$", "", key)
    return re.sub(r"\s+", " ", key).strip()


def join_wrapped(lines: Sequence[str]) -> list[str]:
    """Join hard-wrapped lines: a line that does not end a sentence and whose successor starts lower case.

    Bullet/numbered lines start a new item and are never joined onto the previous line.

    >>> join_wrapped(["Patients with a diagnosis of", "severe disease.", "- Next item"])
    ['Patients with a diagnosis of severe disease.', '- Next item']
    """
    out: list[str] = []
    for line in lines:
        stripped = line.strip()
        if (
            out
            and stripped
            and out[-1].strip()
            and not out[-1].rstrip().endswith((".", ":", ";", "!", "?"))
            and stripped[0].islower()
            and not BULLET_RE.match(stripped)
        ):
            out[-1] = out[-1].rstrip() + " " + stripped
        else:
            out.append(line)
    return out


#: A list-item marker at line start (bullets, numbers, letters, roman numerals, circled digits).
BULLET_RE = re.compile(
    r"^\s*(?:[-*•·●▪◦‣–—~]+\s+|[-*•·●▪◦‣–—](?=\S)|\(?\d{1,3}[.)](?!\d)\s*|\(\d{1,3}\)\s*|"
    r"[①-⑳]\s*|\(?[a-z][.)]\s+|\(?(?:i|ii|iii|iv|v|vi|vii|viii|ix|x)[.)]\s+)",
    re.I,
)


def strip_bullet(line: str) -> str:
    """A list item without its marker.

    >>> strip_bullet("  • Lupus"), strip_bullet("2) Age"), strip_bullet("③ Consent"), strip_bullet("- x")
    ('Lupus', 'Age', 'Consent', 'x')
    """
    return BULLET_RE.sub("", line, count=1).strip()


def is_capped(text: str) -> bool:
    """True when the capture sits at the ~2,000-byte cap and its last line does not end naturally.

    >>> is_capped("x" * 1990 + " December 2"), is_capped("short page"), is_capped("x" * 1990 + " done.")
    (True, False, False)
    """
    size = len(text.encode("utf-8", "replace"))
    if not (CAP_WINDOW[0] <= size <= CAP_WINDOW[1]):
        return False
    last = text.rstrip().rsplit("\n", 1)[-1].strip()
    return not last.endswith(_TERMINAL)


# ---------------------------------------------------------------------------------------------------
# page access


class PageText:
    """A page split into lines with label lookup, section slicing and truncation awareness.

    ``lines`` are the normalized lines (markdown escapes undone); indexes refer to this list.
    When the page is capped, its last non-empty line is *untrusted*: :meth:`value_after` never returns
    a value read from it and :meth:`trusted` says so.
    """

    def __init__(self, text: str, *, markdown: bool = True, capped: bool | None = None) -> None:
        self.raw = text or ""
        body = normalize_page(self.raw)
        if markdown:
            body = unescape_md(body)
        self.text = body
        self.lines: list[str] = body.split("\n")
        self.truncated = is_capped(self.raw) if capped is None else capped
        last = [i for i, line in enumerate(self.lines) if line.strip()]
        self.last_index = last[-1] if last else -1

    # -- basic access -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.lines)

    def line(self, i: int) -> str:
        """Line ``i`` stripped ('' outside the page)."""
        return self.lines[i].strip() if 0 <= i < len(self.lines) else ""

    def trusted(self, i: int) -> bool:
        """False for the last line of a capped page (it is cut mid-value)."""
        return not (self.truncated and i >= self.last_index)

    def next_nonblank(self, i: int, end: int | None = None) -> int | None:
        """Index of the first non-empty line after ``i`` (before ``end``), or None."""
        stop = len(self.lines) if end is None else min(end, len(self.lines))
        for j in range(i + 1, stop):
            if self.lines[j].strip():
                return j
        return None

    def nonblank(self, start: int = 0, end: int | None = None) -> list[tuple[int, str]]:
        """(index, stripped line) for every non-empty line in ``[start, end)``."""
        stop = len(self.lines) if end is None else min(end, len(self.lines))
        return [(i, self.lines[i].strip()) for i in range(max(0, start), stop) if self.lines[i].strip()]

    # -- labels --------------------------------------------------------------------------------------

    def find(self, labels: str | Iterable[str], start: int = 0, end: int | None = None,
             *, alone: bool = False) -> int | None:
        """Index of the first line that is one of ``labels`` (alone) or starts with one followed by a separator.

        Separators: ``:``, `` :``, ``?``, ``|``, or 2+ spaces; with ``alone`` the line must be just the label.
        """
        keys = _label_keys(labels)
        stop = len(self.lines) if end is None else min(end, len(self.lines))
        for i in range(max(0, start), stop):
            line = self.lines[i].strip()
            if not line:
                continue
            if label_key(line) in keys:
                return i
            if not alone and _split_label(line, keys) is not None:
                return i
        return None

    def find_all(self, labels: str | Iterable[str], start: int = 0, end: int | None = None,
                 *, alone: bool = False) -> list[int]:
        """Every index :meth:`find` would match, in order."""
        out: list[int] = []
        i = start
        while True:
            hit = self.find(labels, i, end, alone=alone)
            if hit is None:
                return out
            out.append(hit)
            i = hit + 1

    def value_after(self, labels: str | Iterable[str], start: int = 0, end: int | None = None, *,
                    same_line: bool = True, next_line: bool = True, stop: Iterable[str] = (),
                    skip: Iterable[str] = ()) -> str | None:
        """The value of the first line labelled with one of ``labels``.

        Same line: ``Label: value``, ``Label : value``, ``Label␣␣value``, ``Label : | value |``.
        Next line: ``Label``⏎[blank⏎]value. The next line is refused (None) when it is itself a label in
        ``stop`` or in the shared lexicon or ends with ``:`` (a label with no value), or sits on the
        untrusted last line.
        Lines in ``skip`` (e.g. a site's generic blurb) are passed over.
        """
        keys = _label_keys(labels)
        stop_keys = _label_keys(stop) | set(LEXICON)
        skip_keys = _label_keys(skip)
        hit = self.find(keys, start, end)
        if hit is None:
            return None
        line = self.lines[hit].strip()
        if same_line:
            rest = _split_label(line, keys)
            if rest is not None and rest.strip(" |"):
                if not self.trusted(hit):
                    return None
                return rest.strip(" |").strip() or None
        if not next_line or label_key(line) not in keys:
            return None
        j = self.next_nonblank(hit, end)
        while j is not None and label_key(self.lines[j]) in skip_keys:
            j = self.next_nonblank(j, end)
        if j is None or not self.trusted(j):
            return None
        value = self.lines[j].strip()
        if label_key(value) in stop_keys or label_key(value) in keys or value.endswith(":"):
            return None
        return value

    def lines_after(self, labels: str | Iterable[str], start: int = 0, end: int | None = None, *,
                    stop: Iterable[str] = (), limit: int | None = None) -> list[str]:
        """The non-empty lines following a label line, up to the next line in ``stop`` (or ``end``).

        Lines on the untrusted last line are left out.
        """
        hit = self.find(labels, start, end, alone=True)
        if hit is None:
            return []
        stop_at = self.find(stop, hit + 1, end, alone=True) if stop else None
        bound = stop_at if stop_at is not None else end
        out = [line for i, line in self.nonblank(hit + 1, bound) if self.trusted(i)]
        return out[:limit] if limit is not None else out

    def section(self, heading: str | Iterable[str], stops: Iterable[str], start: int = 0) -> tuple[int, int] | None:
        """(first line after ``heading``, index of the next heading in ``stops`` or the page end)."""
        hit = self.find(heading, start, alone=True)
        if hit is None:
            return None
        nxt = self.find(stops, hit + 1, alone=True)
        return hit + 1, (nxt if nxt is not None else len(self.lines))

    def block_text(self, begin: int, end: int) -> str | None:
        """Lines ``[begin, end)`` joined with line breaks, outer blank lines removed, untrusted last line kept."""
        chunk = [self.lines[i].rstrip() for i in range(max(0, begin), min(end, len(self.lines)))]
        return nz.clean_text("\n".join(chunk))

    def contains(self, *needles: str) -> bool:
        """True when every needle occurs somewhere in the page text."""
        return all(n in self.text for n in needles)


def _label_keys(labels: str | Iterable[str]) -> set[str]:
    if isinstance(labels, str):
        labels = [labels]
    return {label_key(x) for x in labels}


def _split_label(line: str, keys: set[str]) -> str | None:
    """The text after a leading label from ``keys`` and its separator, or None when the line has none."""
    plain = line.strip().replace("**", "")
    plain = re.sub(r"^(?:[-*•·]\s+|#+\s*)", "", plain)
    low = plain.lower()
    for key in sorted(keys, key=len, reverse=True):
        if not key or not low.startswith(key):
            continue
        rest = plain[len(key):]
        m = re.match(r"^\s*[:?|：]+\s*\|?\s*|^\s{2,}", rest)
        if m:
            return rest[m.end():]
    return None


# ---------------------------------------------------------------------------------------------------
# lexicon (PAGE_LAYOUTS §2): label → field


def _lex(field: str, *labels: str) -> dict[str, str]:
    return {label_key(label): field for label in labels}


LEXICON: dict[str, str] = {
    **_lex("trial_id", "ClinicalTrials.gov Identifier", "NCT ID", "Study NCT ID", "CT.gov ID", "NCT number",
           "Clinicaltrials.gov ID", "Trial ID", "Trial identifier", "Clinical Study Identifier", "Main ID",
           "Registration number", "CTRI Number", "EudraCT number", "注册号"),
    **_lex("brief_title", "Brief Title", "Public title", "Public Title of Study", "Title"),
    **_lex("official_title", "Official Title", "Scientific title", "Scientific Title of Study"),
    **_lex("acronym", "Acronym", "Trial acronym", "English Acronym"),
    **_lex("overall_status", "Recruitment Status", "Status", "Overall Status", "Study Status", "Recruit Status",
           "Trial Status", "Recruitment status"),
    **_lex("phase", "Phase", "Clinical Phase", "Trial Phase", "Clinical trials phase", "Study phase"),
    **_lex("study_type", "Study Type", "Study Classification", "Type of Trial"),
    **_lex("enrollment", "Actual Enrollment", "Estimated Enrollment", "Anticipated Enrollment", "Enrollment",
           "Total Enrollment", "Target enrollment", "Target Recruitment", "Target sample size", "Trial size",
           "Study Participants", "Enrollment Quota"),
    **_lex("allocation", "Allocation", "Allocation Method"),
    **_lex("intervention_model", "Intervention Model", "Interventional model"),
    **_lex("masking", "Masking", "Blinding Strategy"),
    **_lex("primary_purpose", "Primary Purpose", "Primary Study Purpose"),
    **_lex("lead_sponsor", "Sponsor", "Lead Sponsor", "Sponsored by", "Primary sponsor", "Organization"),
    **_lex("collaborators", "Collaborator", "Collaborators"),
    **_lex("conditions", "Conditions", "Condition", "Condition or disease", "Health condition(s) or problem(s) studied",
           "Disease"),
    **_lex("interventions", "Interventions", "Intervention", "Treatments"),
    **_lex("brief_summary", "Brief Summary", "Summary", "Brief description of study"),
    **_lex("detailed_description", "Detailed Description", "Full description", "Detailed Summary",
           "Detailed Study Description", "Description"),
    **_lex("eligibility_criteria", "Eligibility Criteria", "Criteria", "Key inclusion & exclusion criteria",
           "Eligibility"),
    **_lex("sex", "Sex", "Sexes Eligible for Study", "Participant gender", "Eligible Genders", "Gender"),
    **_lex("ages", "Ages", "Ages Eligible for Study", "Eligible Ages", "Age"),
    **_lex("healthy_volunteers", "Volunteers", "Accepts Healthy Volunteers"),
    **_lex("start_date", "Study Start Date", "Actual Study Start Date", "Estimated Study Start Date", "Start Date",
           "Study Started", "Date of first enrolment", "Start date (estimated)"),
    **_lex("primary_completion_date", "Primary Completion Date", "Actual Primary Completion Date",
           "Estimated Primary Completion Date", "Primary Completion", "Primary completion"),
    **_lex("completion_date", "Study Completion Date", "Actual Study Completion Date",
           "Estimated Study Completion Date", "Study Completion", "Trial end date", "End date",
           "End date (estimated)", "Estimated Completion Date", "Final completion"),
    **_lex("first_posted_date", "First Posted", "First Post", "Date of registration", "Date registered"),
    **_lex("results_first_posted_date", "Results First Posted"),
    **_lex("last_update_date", "Last Update Posted", "Last Updated", "Last Update", "Date last updated",
           "Last updated"),
    **_lex("verified_date", "Last Verified", "Status Verified Date"),
    **_lex("other_ids", "Other Study ID Numbers", "Secondary IDs if Any", "Other Identifiers"),
    **_lex("why_stopped", "If Stopped, Why", "Trial Stopped"),
    **_lex("keywords", "Keywords"),
}


# ---------------------------------------------------------------------------------------------------
# registry ids


#: Headings that open a block of OTHER trials (ids inside are never the page's trial).
RELATED_HEADINGS = (
    "related clinical trials", "more related trials", "related trials", "related studies", "similar studies",
    "similar trials", "similar clinical trials", "other trials", "you may also like", "more trials like this",
)
_ID_LABELS = tuple(k for k, v in LEXICON.items() if v == "trial_id") + (
    "viewing study", "identifiers", "registration number", "study nct id", "nct id",
)
_PROSE_WORDS = re.compile(
    r"\b(?:parent|previous|prior|preceding|follow[- ]?up|extension|original|earlier|see|companion|"
    r"feeder|core)\b\s+(?:\w+\s+){0,3}?(?:study|trial|protocol)?", re.I
)
_URL_INTERNAL_PARAMS = re.compile(r"[?&](?:id|proj|trialid|enchid|trial_id_internal)=[^&#\s]*", re.I)
_URL_RE = re.compile(r"https?://\S+", re.I)


def _id_only(line: str) -> bool:
    ids = find_ids(line)
    if len(ids) != 1:
        return False
    rest = re.sub(r"(?i)\bNCT\s?\d{8}\b", "", line)
    for _, value in ids:
        rest = rest.replace(value, "")
    return len(rest.strip(" |:-()[]#*")) <= 3


def excluded_lines(page: PageText) -> set[int]:
    """Indexes of lines whose ids belong to other trials: related-trial blocks and pipe tables about trials.

    A related block starts at a heading from :data:`RELATED_HEADINGS` and runs over an optional one-line
    blurb and then title⏎id pairs (or id-only lines); a pipe table whose header mentions ``Clinical Trial``
    is excluded row by row. Runs of 2+ title⏎id pairs anywhere are excluded too.
    """
    out: set[int] = set()
    rows = page.nonblank()
    n = len(rows)
    k = 0
    while k < n:
        i, line = rows[k]
        key = label_key(line)
        if key in RELATED_HEADINGS or any(key.startswith(h) for h in RELATED_HEADINGS):
            out.add(i)
            k += 1
            if k < n and not find_ids(rows[k][1]) and not (k + 1 < n and _id_only(rows[k + 1][1])):
                out.add(rows[k][0])  # the blurb under the heading
                k += 1
            while k < n:
                if _id_only(rows[k][1]):
                    out.add(rows[k][0])
                    k += 1
                elif k + 1 < n and _id_only(rows[k + 1][1]) and not find_ids(rows[k][1]):
                    out.update((rows[k][0], rows[k + 1][0]))
                    k += 2
                else:
                    break
            continue
        if "|" in line and "clinical trial" in line.lower() and not find_ids(line):
            k += 1
            while k < n and "|" in rows[k][1]:
                out.add(rows[k][0])
                k += 1
            continue
        k += 1
    # repeated title⏎id pairs outside a headed block
    pairs = [k for k in range(n - 1) if _id_only(rows[k + 1][1]) and not find_ids(rows[k][1])
             and not _is_id_label(rows[k][1])]
    if len(pairs) >= 2:
        for k in pairs:
            out.update((rows[k][0], rows[k + 1][0]))
    return out


def _is_id_label(line: str) -> bool:
    return label_key(line) in _ID_LABELS


_URL_LINE_RE = re.compile(r"^[ \t]*(?:source[ \t]+url|url|source|page url|saved from)[ \t]*:[ \t]*(https?://\S+)",
                          re.I | re.M)


def url_of(text: str, path: str | None) -> str | None:
    """The page's source URL: from a sidecar file next to ``path`` or a ``URL:``/``Source:`` line in the text.

    Sidecars tried: ``<path>.url``, ``<stem>.url``, ``<path>.meta.json`` / ``<stem>.meta.json`` (first URL
    found in the file). In the text only a ``URL:``/``Source URL:``/``Source:`` labelled line counts.
    """
    if path:
        base, _ = os.path.splitext(path)
        for side in (path + ".url", base + ".url", path + ".meta.json", base + ".meta.json"):
            try:
                if side != path and os.path.isfile(side) and os.path.getsize(side) < 65536:
                    with open(side, encoding="utf-8", errors="replace") as fh:
                        m = _URL_RE.search(fh.read())
                    if m:
                        return m.group().rstrip("\"',;)>")
            except OSError:
                continue
    head = "\n".join((text or "").splitlines()[:400])
    if "://" not in head:  # every detector asks: skip the line scan for the many pages that quote no URL
        return None
    m = _URL_LINE_RE.search(head)
    return m.group(1).rstrip("\"',;)>") if m else None


def id_from_url(url: str | None) -> str | None:
    """The registry id in a source URL or file path (site-internal numbers such as ``id=``/``proj=`` ignored).

    >>> id_from_url("https://clinicaltrials.gov/ct2/show/nct01420432?term=msc")
    'NCT01420432'
    >>> id_from_url("https://www.anzctr.org.au/Trial/Registration/TrialReview.aspx?id=12345") is None
    True
    """
    if not url:
        return None
    cleaned = _URL_INTERNAL_PARAMS.sub("", url)
    m = re.search(r"EUCTR((?:19|20)\d{2}-\d{6}-\d{2})", cleaned, re.I)
    if m:
        return m.group(1)
    cleaned = re.sub(r"(?i)ctri-(\d{4})-(\d{2,3})-(\d{6})", r"CTRI/\1/\2/\3", cleaned)
    found = [value for registry, value in find_ids(cleaned) if registry != "ANZCTR"]
    return found[0] if found else None


def header_id(page: PageText, *, excluded: set[int] | None = None) -> str | None:
    """The id next to an id label (``ClinicalTrials.gov Identifier: NCT…``, ``NCT ID:``, ``Identifiers``⏎id …)."""
    excluded = excluded if excluded is not None else excluded_lines(page)
    labels = sorted(_ID_LABELS, key=len, reverse=True)
    for i, line in page.nonblank():
        if i in excluded:
            continue
        low = re.sub(r"^[-*•·>\s]+", "", line.lower().replace("**", ""))
        label = next((x for x in labels if low.startswith(x)), None)
        if label is None:
            continue
        ids = find_ids(line)
        if ids:
            return ids[0][1]
        if label_key(line) == label:
            j = page.next_nonblank(i)
            if j is not None and j not in excluded and _id_only(page.line(j)):
                return find_ids(page.line(j))[0][1]
    return None


def title_line_id(page: PageText) -> str | None:
    """An id printed in a title line: ``… (NCT NCT…)``, ``… [NCT…]``, or a trailing ``NCT… - title | Site``."""
    rows = page.nonblank()
    for _, line in rows[:3] + rows[-3:]:
        m = re.search(r"\((?:NCT\s+)?(NCT\d{8})\)\s*$", line) or re.search(r"\[(NCT\d{8})\]", line)
        if m:
            return find_ids(m.group(1))[0][1]
        m = re.match(r"^(NCT\d{8})\s+-\s+.+\|", line, re.I)
        if m:
            return find_ids(m.group(1))[0][1]
    return None


def body_ids(page: PageText, *, excluded: set[int] | None = None) -> list[str]:
    """Distinct ids in the body outside excluded zones, prose references and results-table cells."""
    excluded = excluded if excluded is not None else excluded_lines(page)
    out: list[str] = []
    for i, line in page.nonblank():
        if i in excluded or not page.trusted(i):
            continue
        for _registry, value in find_ids(line):
            if _is_prose_reference(line, value) or (line.count("|") >= 2 and not _id_only(line)):
                continue
            if value not in out:
                out.append(value)
    return out


def _is_prose_reference(line: str, value: str) -> bool:
    """An id cited inside a sentence (in parentheses, after parent/previous/follow-up …, or in long prose)."""
    if _id_only(line):
        return False
    if re.search(r"\(\s*(?:see\s+)?" + re.escape(value), line, re.I) or re.search(
        r"\(\s*NCT\s?" + re.escape(value[3:]), line, re.I):
        return True
    if _PROSE_WORDS.search(line):
        return True
    words = len(line.split())
    return words >= 8


@dataclass(slots=True)
class PageId:
    """The page's trial id and how it was found (``header``, ``title``, ``url``, ``body``) or None."""

    trial_id: str | None
    source: str | None
    url: str | None = None


def find_page_id(text: str, path: str | None = None, page: PageText | None = None) -> PageId:
    """The trial id a page is about, in priority order: id label → title line → URL/path → single body id.

    Ids inside related-trials blocks, trial pipe tables and prose references never count; when the body
    holds two or more distinct candidate ids and nothing else decides, the result is None (no guessing).
    """
    page = page or PageText(text)
    excluded = excluded_lines(page)
    url = url_of(text, path)
    found = header_id(page, excluded=excluded)
    if found:
        return PageId(found, "header", url)
    found = title_line_id(page)
    if found:
        return PageId(found, "title", url)
    found = id_from_url(url) or id_from_url(os.path.basename(path or ""))
    if found:
        return PageId(found, "url", url)
    ids = body_ids(page, excluded=excluded)
    if len(ids) == 1:
        return PageId(ids[0], "body", url)
    return PageId(None, None, url)


def page_id(text: str, path: str | None = None) -> str | None:
    """The canonical registry id of the page's trial, or None (see :func:`find_page_id`).

    >>> page_id("Related Clinical Trials\\nOther trial\\nNCT03745417\\nMore text here")
    >>> page_id("Some page\\nNCT ID: NCT02491658\\nRelated Clinical Trials\\nA\\nNCT03745417")
    'NCT02491658'
    """
    return find_page_id(text, path).trial_id


# ---------------------------------------------------------------------------------------------------
# values


def date_value(value: str | None) -> tuple[object, str | None]:
    """(date, date type) from a page value: ``Actual``/``Estimated``/``Anticipated`` prefixes or suffixes read.

    >>> date_value("Estimated December 2025"), date_value("August 1, 2022"), date_value("2024-05-06 @ 7:02 PM")
    ((datetime.date(2025, 12, 1), 'ESTIMATED'), (datetime.date(2022, 8, 1), None), (datetime.date(2024, 5, 6), None))
    """
    if not value:
        return None, None
    text = value.strip()
    kind = None
    m = re.match(r"^\s*\(?(actual|estimated|anticipated|expected|estimate)\)?\s*:?\s*", text, re.I)
    if m:
        kind, text = nz.map_date_type(m.group(1)), text[m.end():]
    m = re.search(r"\s*\(?(actual|estimated|anticipated|expected|estimate)\)?\s*$", text, re.I)
    if m:
        kind, text = nz.map_date_type(m.group(1)), text[: m.start()]
    text = re.sub(r"\s*@.*$", "", text)
    text = re.sub(r"^(\d{4}-\d{2}-\d{2})[ T]\d{1,2}:\d{2}(:\d{2})?.*$", r"\1", text)
    text = re.sub(r"^([A-Za-z]+),\s*(\d{1,2})\s+(\d{4})$", r"\1 \2, \3", text)  # 'August, 28 2017'
    return nz.parse_date(text), kind


def label_date_type(label: str) -> str | None:
    """``Actual Study Start Date`` → ACTUAL, ``Estimated …`` / ``… (estimated)`` → ESTIMATED, else None."""
    low = label.lower()
    if re.search(r"\bactual\b", low):
        return "ACTUAL"
    if re.search(r"\b(estimated|anticipated|expected)\b", low):
        return "ESTIMATED"
    return None


def enrollment_value(value: str | None) -> tuple[int | None, str | None]:
    """(count, type) from ``15 participants``, ``10 estimated patients``, ``12 (ESTIMATED)``, ``1 patient``, ``30``.

    >>> enrollment_value("10 estimated patients"), enrollment_value("12 (ESTIMATED)"), enrollment_value("about")
    ((10, 'ESTIMATED'), (12, 'ESTIMATED'), (None, None))
    """
    if not value:
        return None, None
    text = value.strip()
    kind = None
    if re.search(r"\b(estimated|anticipated|expected)\b", text, re.I):
        kind = "ESTIMATED"
    elif re.search(r"\bactual\b", text, re.I):
        kind = "ACTUAL"
    m = re.fullmatch(
        r"(?:(?:actual|estimated|anticipated)\s*:?\s*)?([\d,]+)\s*(?:\(?\s*(?:actual|estimated|anticipated)\s*\)?)?"
        r"\s*(?:(?:estimated|anticipated|actual)\s+)?(?:participants?|patients?|subjects?|people|persons?)?\.?",
        text, re.I,
    )
    if not m:
        return None, None
    return nz.parse_int(m.group(1)), kind


_AGE_UNIT = r"(?:years?|yrs?|months?|mos?|weeks?|wks?|days?|hours?)"


def ages_value(value: str | None) -> tuple[float | None, float | None]:
    """(min, max) age in years from the range spellings pages use; an unreadable side is None.

    >>> ages_value("18 Years to 60 Years  (Adult)"), ages_value("18 to 60 years old"), ages_value("18+ years old")
    ((18.0, 60.0), (18.0, 60.0), (18.0, None))
    >>> ages_value("Between 2 Months and 17 Years"), ages_value("Over 18 Years"), ages_value("20-40 years")
    ((0.1667, 17.0), (18.0, None), (20.0, 40.0))
    >>> ages_value("from 6 months up to 70 years old"), ages_value("5 to 14 days old"), ages_value("N/A")
    ((0.5, 70.0), (0.0137, 0.0383), (None, None))
    >>> ages_value("18 Years and older"), ages_value("18 and up"), ages_value("65 years or older")
    ((18.0, None), (18.0, None), (65.0, None))
    """
    if not value:
        return None, None
    text = fix_mojibake(value).strip().lower()
    text = re.sub(r"\bold\b", "", re.sub(r"\(.*?\)", "", text)).strip()
    num = r"(\d+(?:\.\d+)?)"
    unit = rf"\s*({_AGE_UNIT})?"
    m = re.search(rf"(?:between|from)?\s*{num}{unit}\s*(?:to|-|–|and|up to|through)\s*{num}{unit}", text)
    if m:
        u2 = m.group(4) or "years"
        u1 = m.group(2) or u2
        return nz.parse_age(f"{m.group(1)} {u1}"), nz.parse_age(f"{m.group(3)} {u2}")
    m = re.search(rf"(?:over|above|older than|at least|minimum|min|≥|>=)\s*{num}{unit}"
                  rf"|{num}{unit}\s*(?:\+|and (?:over|older|above|up)|or (?:over|older|above))", text)
    if m:
        n, u = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        return nz.parse_age(f"{n} {u or 'years'}"), None
    m = re.search(rf"(?:under|below|younger than|up to|maximum|max|≤|<=)\s*{num}{unit}", text)
    if m:
        return None, nz.parse_age(f"{m.group(1)} {m.group(2) or 'years'}")
    return None, None


def age_value(value: str | None) -> float | None:
    """One age (``18 Years``, ``6 Months``) in years; ``N/A`` → None."""
    if not value:
        return None
    return nz.parse_age(value.strip().rstrip("."))


def healthy_value(value: str | None) -> bool | None:
    """Healthy volunteers from ``No``, ``Yes``, ``No Healthy Volunteers``, ``Does not accept healthy volunteers``."""
    if not value:
        return None
    low = value.strip().lower()
    if low.startswith(("no healthy", "does not accept", "not accept", "no ")) or low in ("no", "false"):
        return False
    if low.startswith(("accepts healthy", "healthy volunteers accepted", "yes")) or low == "true":
        return True
    return nz.map_bool(value)


def status_value(value: str | None) -> str | None:
    """Overall status (API v2), ignoring a trailing parenthesised reason or ``status`` word."""
    if not value:
        return None
    text = re.sub(r"\s*\(.*$", "", value.strip())
    return nz.map_status(text) or nz.map_status(re.sub(r"\s+status$", "", text, flags=re.I))


def phase_value(value: str | Sequence[str] | None) -> str | None:
    """Phase (``PHASE1/PHASE2`` …) from one value or several lines (Veeva descending lines)."""
    if not value:
        return None
    return nz.map_phase(list(value) if not isinstance(value, str) else value)


def masking_value(value: str | None) -> tuple[str | None, str | None]:
    """(masking, who masked). When the parenthesised role list disagrees with the word, the role count wins.

    Rule (matches modern CT.gov): 1 role = SINGLE … 4 roles = QUADRUPLE; no roles → the word decides.

    >>> masking_value("Double Blind (Subject, Caregiver, Investigator)")
    ('TRIPLE', 'PARTICIPANT|CARE_PROVIDER|INVESTIGATOR')
    >>> masking_value("None (Open Label)"), masking_value("Single Blind")
    (('NONE', None), ('SINGLE', None))
    """
    if not value:
        return None, None
    who = nz.who_masked(re.sub(r"(?i)care\s*giver", "care provider", value))
    level = nz.map_masking(re.sub(r"\s*\(.*$", "", value.strip())) or nz.map_masking(value)
    if who and level not in (None, "NONE"):
        level = {1: "SINGLE", 2: "DOUBLE", 3: "TRIPLE", 4: "QUADRUPLE"}.get(len(who.split("|")), level)
    if level == "NONE":
        who = None
    return level, who


_TYPE_PREFIX = re.compile(
    r"^\s*(Biological|Drug|Device|Procedure(?:/Surgery)?|Behavioral|Genetic|Dietary Supplement|"
    r"Combination Product|Diagnostic Test|Radiation|Other)\s*:\s*(.+)$", re.I)
_ARM_PREFIX = re.compile(
    r"^\s*(Experimental|Active Comparator|Placebo Comparator|Sham Comparator|No Intervention|Other)\s*:\s*(.*)$",
    re.I)


def type_prefixed(line: str) -> tuple[str | None, str] | None:
    """``Biological: name`` → (BIOLOGICAL, name); None when the line has no intervention-type prefix."""
    m = _TYPE_PREFIX.match(line)
    if not m:
        return None
    return nz.map_intervention_type(m.group(1)), m.group(2).strip()


def arm_prefixed(line: str) -> tuple[str | None, str] | None:
    """``Experimental: label`` → (EXPERIMENTAL, label); None when the line has no arm-type prefix."""
    m = _ARM_PREFIX.match(line)
    if not m:
        return None
    return nz.map_arm_type(m.group(1)), m.group(2).strip()


def design_parts(value: str) -> dict[str, str]:
    """Split a design string into ``{label key: value}``.

    Handles ``Allocation: X; Intervention Model: Y``, ``Allocation: X. Intervention model: Y.`` and the legacy
    ``Endpoint Classification: …, Intervention Model: …, Masking: Open Label, Primary Purpose: …``.

    >>> design_parts("Allocation: Randomized;   Intervention Model: Parallel Assignment;   Masking: None (Open Label)")
    {'allocation': 'Randomized', 'intervention model': 'Parallel Assignment', 'masking': 'None (Open Label)'}
    """
    keys = ("allocation", "intervention model", "masking", "primary purpose", "endpoint classification",
            "observational model", "time perspective", "model", "purpose")
    pattern = re.compile(r"(?i)\b(" + "|".join(re.escape(k) for k in keys) + r")\s*:\s*")
    hits = list(pattern.finditer(value))
    out: dict[str, str] = {}
    for n, m in enumerate(hits):
        end = hits[n + 1].start() if n + 1 < len(hits) else len(value)
        out.setdefault(m.group(1).lower(), value[m.end():end].strip(" ;,.\t"))
    return out


def apply_design(record: TrialRecord, parts: dict[str, str]) -> None:
    """Set allocation/model/masking/purpose on ``record`` from :func:`design_parts` output (unset fields only)."""
    if record.allocation is None and parts.get("allocation"):
        record.allocation = nz.map_allocation(parts["allocation"])
    model = parts.get("intervention model") or parts.get("model")
    if record.intervention_model is None and model:
        record.intervention_model = nz.map_intervention_model(model)
    if record.masking is None and parts.get("masking"):
        record.masking, record.who_masked = masking_value(parts["masking"])
    purpose = parts.get("primary purpose") or parts.get("purpose")
    if record.primary_purpose is None and purpose:
        record.primary_purpose = nz.map_purpose(purpose)


def set_field(record: TrialRecord, field: str, raw: str | None) -> bool:
    """Map a raw page value for a lexicon field onto ``record`` (only when not already set). True if set.

    ``field`` is a :data:`LEXICON` field name; ``raw`` the value as shown. Values that do not map stay None.
    """
    if raw is None:
        return False
    raw = raw.strip()
    if not raw or raw.lower() in ("n/a", "none", "-", "--", "not provided", "not stated"):
        # "N/A" is a phase (not applicable) and "None" a masking level (open label): both are values.
        if not ((field == "phase" and raw.lower() == "n/a") or (field == "masking" and raw.lower() == "none")):
            return False
    simple = {
        "overall_status": status_value, "phase": phase_value, "study_type": nz.map_study_type,
        "allocation": nz.map_allocation, "intervention_model": nz.map_intervention_model,
        "primary_purpose": nz.map_purpose, "sex": nz.map_sex, "healthy_volunteers": healthy_value,
    }
    if field in simple:
        if getattr(record, field) is not None:
            return False
        value = simple[field](raw)
        setattr(record, field, value)
        return value is not None
    if field == "masking":
        if record.masking is None:
            record.masking, record.who_masked = masking_value(raw)
        return record.masking is not None
    if field == "enrollment":
        if record.enrollment is None:
            record.enrollment, kind = enrollment_value(raw)
            record.enrollment_type = kind if record.enrollment is not None else None
        return record.enrollment is not None
    if field == "ages":
        lo, hi = ages_value(raw)
        if record.min_age_years is None:
            record.min_age_years = lo
        if record.max_age_years is None:
            record.max_age_years = hi
        return lo is not None or hi is not None
    if field.endswith("_date"):
        if getattr(record, field) is not None:
            return False
        value, kind = date_value(raw)
        setattr(record, field, value)
        type_field = field + "_type"
        if value is not None and kind and hasattr(record, type_field):
            setattr(record, type_field, kind)
        return value is not None
    if field in ("brief_title", "official_title", "acronym", "brief_summary", "detailed_description",
                 "eligibility_criteria", "lead_sponsor", "why_stopped"):
        if getattr(record, field) is None:
            setattr(record, field, nz.clean_text(raw))
        return getattr(record, field) is not None
    return False


def dedupe_consecutive(lines: Sequence[str]) -> list[str]:
    """Drop a line identical to the one before it (sites that print every value twice)."""
    out: list[str] = []
    for line in lines:
        if not out or line.strip() != out[-1].strip() or not line.strip():
            out.append(line)
    return out


def signals(text: str, needles: Sequence[str]) -> int:
    """How many of ``needles`` occur in ``text`` (detection helper)."""
    return sum(1 for n in needles if n in text)


def new_record(text: str, path: str | None, page: PageText) -> TrialRecord:
    """A record with the page's trial id (None when the page shows none) and its source URL."""
    found = find_page_id(text, path, page)
    return TrialRecord(trial_id=found.trial_id, source_url=found.url)


_CONTENT_FIELDS = ("brief_title", "official_title", "overall_status", "phase", "study_type", "enrollment",
                   "brief_summary", "detailed_description", "eligibility_criteria", "lead_sponsor", "start_date",
                   "completion_date", "sex", "min_age_years", "max_age_years", "allocation", "intervention_model")


def finish_record(record: TrialRecord, page: PageText, parser_name: str) -> list[TrialRecord]:
    """Set ``truncated``, split the criteria, and refuse a record with nothing trial-like in it.

    Raises :class:`ingest.errors.ParseError` when neither an id nor any trial field was read.
    """
    from ingest.criteria import split_criteria
    from ingest.errors import ParseError

    record.truncated = record.truncated or page.truncated
    if record.eligibility_criteria:
        record.criteria = split_criteria(record.eligibility_criteria)
    has_any = any(getattr(record, name) is not None for name in _CONTENT_FIELDS) or bool(
        record.conditions or record.arms or record.interventions or record.outcomes or record.sites)
    if not has_any and not record.trial_id:
        raise ParseError(f"{parser_name}: no trial fields found in the page")
    return [record]


def add_identifier(record: TrialRecord, value: str | None, id_type: str, domain: str | None = None) -> None:
    """Append an identifier (unless empty, equal to the trial id, or already present)."""
    value = (value or "").strip()
    if not value or value == record.trial_id or any(i.id_value == value for i in record.identifiers):
        return
    from ingest.model import Identifier

    record.identifiers.append(Identifier(id_value=value, id_type=id_type, domain=domain))


def split_site_address(line: str) -> tuple[str | None, str | None, str | None]:
    """``City, State, Country`` → (city, state, country); ``City, Country`` → (city, None, country).

    >>> split_site_address("Surakarta, Middle Java, Indonesia"), split_site_address("Paris, France")
    (('Surakarta', 'Middle Java', 'Indonesia'), ('Paris', None, 'France'))
    """
    parts = [p.strip() for p in line.split(",") if p.strip()]
    if not parts:
        return None, None, None
    if len(parts) == 1:
        return None, None, parts[0]
    if len(parts) == 2:
        return parts[0], None, parts[1]
    return parts[0], ", ".join(parts[1:-1]), parts[-1]
