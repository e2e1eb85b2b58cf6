"""jRCT (Japan Registry of Clinical Trials) page (PAGE_LAYOUTS §1, §1b).

The header repeats the record WITHOUT labels in a fixed order: class (``第二種``), 1–4 dates, title, short
title, institution, PI, purpose, a count token, condition, status, committee name, committee number
(``NA8…``, not the trial id). Lines are classified by shape: era dates ``令和N年M月D日`` (令和元年 = 2019)
or ``YYYY年MM月DD日``, status words ``募集中`` (recruiting), ``募集終了`` (recruitment closed),
``研究終了`` (study ended), optionally bilingual ``<JP> / Recruiting``; the title and short title are the
first two long lines after the dates (Japanese, or English on bilingual pages). Body headings:
``変更内容`` (change history: old and new values back to back, so statuses after it are ignored),
``研究の進捗状況``, ``進捗状況:``, ``第1症例登録日:`` (first enrolment → start date), ``申請者情報``.
The jRCT id may appear only in attachment names or the URL.
"""

from __future__ import annotations

import datetime as dt
import re

from ingest import normalize as nz
from ingest.base import Parser
from ingest.ids import find_ids
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import TrialRecord

_STATUS = {"募集中": "RECRUITING", "募集前": "NOT_YET_RECRUITING", "募集終了": "ACTIVE_NOT_RECRUITING",
           "研究終了": "COMPLETED", "中止": "TERMINATED", "recruiting": "RECRUITING",
           "not recruiting": "ACTIVE_NOT_RECRUITING", "pending": "NOT_YET_RECRUITING", "complete": "COMPLETED",
           "completed": "COMPLETED"}
_ERA = re.compile(r"(令和|平成)(元|\d{1,2})年(\d{1,2})月(\d{1,2})日")
_YMD = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def jp_date(text: str) -> dt.date | None:
    """``令和2年4月1日`` → 2020-04-01 (令和 N = 2018+N, 元 = 1; 平成 N = 1988+N); ``2020年04月01日`` too.

    >>> jp_date("令和元年5月7日"), jp_date("2021年03月15日"), jp_date("x")
    (datetime.date(2019, 5, 7), datetime.date(2021, 3, 15), None)
    """
    try:
        m = _ERA.search(text)
        if m:
            n = 1 if m.group(2) == "元" else int(m.group(2))
            year = (2018 if m.group(1) == "令和" else 1988) + n
            return dt.date(year, int(m.group(3)), int(m.group(4)))
        m = _YMD.search(text)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return None


def _status(line: str) -> str | None:
    text = line.strip()
    if " / " in text:
        jp, en = (x.strip() for x in text.split(" / ", 1))
        return _STATUS.get(jp) or _STATUS.get(en.lower())
    return _STATUS.get(text)


class JrctPage(Parser):
    """jRCT trial page."""

    name = "jrct"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if "臨床研究等提出・公開システム" in text:
            score += 0.6
        if "再生医療等" in text:
            score += 0.4
        if re.search(r"\bjRCT[a-z]?\d{9,10}\b", text):
            score += 0.2
        if _ERA.search(text) and re.search(r"募集中|募集終了|研究終了", text):
            score += 0.2
        if kx.host_in(text, path, ("jrct.niph.go.jp", "jrct.mhlw.go.jp")):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, "", page, id_from_page=False)
        rec.source_url = kit.url_of(text, path)
        ids = [v for r, v in find_ids(page.text) if r == "jRCT"]
        rec.trial_id = ids[0] if len(set(ids)) == 1 else (kx.url_id(text, path) if not ids else None)
        if rec.trial_id and not rec.trial_id.startswith("jRCT"):
            rec.trial_id = None
        history = page.find("変更内容", alone=False)
        end = history if history is not None else len(page.lines)
        rows = [(i, x) for i, x in page.nonblank(0, end) if page.trusted(i)]
        seen_date = False
        titles: list[str] = []
        for _, line in rows:
            if jp_date(line) and len(line) < 20:
                seen_date = True
                continue
            status = _status(line)
            if status and rec.overall_status is None:
                rec.overall_status = status
                continue
            if seen_date and len(titles) < 2 and len(line) >= 10 and not re.match(r"^(NA\d{7}|jRCT)", line):
                titles.append(line)
        if titles:
            rec.official_title = titles[0]
        if len(titles) > 1:
            rec.brief_title = titles[1]
        if rec.overall_status is None:
            progress = page.value_after("進捗状況")
            if progress:
                statuses = {_status(x) for x in (progress,)}
                rec.overall_status = statuses.pop() if len(statuses) == 1 else None
        first_case = page.value_after("第1症例登録日")
        if first_case:
            rec.start_date = jp_date(first_case) or nz.parse_date(first_case)
            if rec.start_date:
                rec.start_date_type = "ACTUAL"
        return kx.finish(rec, cls.name)
