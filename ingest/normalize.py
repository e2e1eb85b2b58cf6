"""Shared normalizers: every source spelling of a value → the warehouse convention.

A value that cannot be mapped returns ``None``: the warehouse never guesses.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan", "janvier", "enero"), ("february", "feb", "fevrier", "febrero"),
            ("march", "mar", "mars", "marzo"), ("april", "apr", "avril", "abril"),
            ("may", "mai", "mayo"), ("june", "jun", "juin", "junio"), ("july", "jul", "juillet", "julio"),
            ("august", "aug", "aout", "agosto"), ("september", "sep", "sept", "septembre", "septiembre"),
            ("october", "oct", "octobre", "octubre"), ("november", "nov", "novembre", "noviembre"),
            ("december", "dec", "decembre", "diciembre"),
        ]
    )
    for m in names
}


def clean_text(value: object) -> str | None:
    """Strip a text value; empty → ``None``. Line breaks inside are kept.

    >>> clean_text("  a\\n b  ")
    'a\\n b'
    >>> clean_text("   ") is None
    True
    >>> clean_text(float("nan")) is None  # NaN and Infinity (JSON extensions) state nothing
    True
    """
    if value is None:
        return None
    if type(value) is float and not math.isfinite(value):
        return None
    if type(value) is str and "\r" not in value and "\u00a0" not in value:
        return value.strip() or None  # nothing to replace (the common case)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").strip()
    return text or None


_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=8192)
def _key(value: str) -> str:
    """A value folded for table lookups: ASCII, lower case, runs of other characters → one space."""
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def parse_date(value: object) -> dt.date | None:
    """A date in any spelling the sources use; month precision → the first of the month.

    >>> parse_date("March 5, 2019"), parse_date("March 2019"), parse_date("2019-03")
    (datetime.date(2019, 3, 5), datetime.date(2019, 3, 1), datetime.date(2019, 3, 1))
    >>> parse_date("05/03/2019"), parse_date("2019/03/05"), parse_date("5 Mar 2019")
    (datetime.date(2019, 3, 5), datetime.date(2019, 3, 5), datetime.date(2019, 3, 5))
    >>> parse_date("December 2") is None
    True
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().rstrip(".")
    if not text:
        return None
    return _parse_date_text(text)


_ISO_DAY = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ][\d:.+Z-]*)?")
_ISO_MONTH = re.compile(r"(\d{4})[-/.](\d{1,2})")
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


@functools.lru_cache(maxsize=8192)
def _parse_date_text(text: str) -> dt.date | None:
    try:
        if m := _ISO_DAY.fullmatch(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _ISO_MONTH.fullmatch(text):
            return dt.date(int(m[1]), int(m[2]), 1)
        if m := _DMY.fullmatch(text):
            # Registries outside the US (ICTRP, EU, ANZCTR, CTRI) write day first.
            day, month = int(m[1]), int(m[2])
            if month > 12 and day <= 12:
                day, month = month, day
            return dt.date(int(m[3]), month, day)
        words = _key(text).split()
        if len(words) == 3 and words[0] in _MONTHS and words[1].isdigit() and words[2].isdigit():
            return dt.date(int(words[2]), _MONTHS[words[0]], int(words[1]))
        if len(words) == 3 and words[1] in _MONTHS and words[0].isdigit() and words[2].isdigit():
            return dt.date(int(words[2]), _MONTHS[words[1]], int(words[0]))
        if len(words) == 2 and words[0] in _MONTHS and len(words[1]) == 4 and words[1].isdigit():
            return dt.date(int(words[1]), _MONTHS[words[0]], 1)
    except (ValueError, OverflowError):
        return None
    return None


_AGE_UNITS = {
    "year": 1.0, "years": 1.0, "yr": 1.0, "yrs": 1.0, "y": 1.0, "a": 1.0,
    "month": 1 / 12, "months": 1 / 12, "mo": 1 / 12, "mos": 1 / 12,
    "week": 7 / 365.25, "weeks": 7 / 365.25, "wk": 7 / 365.25, "wks": 7 / 365.25,
    "day": 1 / 365.25, "days": 1 / 365.25, "d": 1 / 365.25,
    "hour": 1 / 8766, "hours": 1 / 8766, "minute": 1 / 525960, "minutes": 1 / 525960,
}


def parse_age(value: object) -> float | None:
    """An age in years. ``"18 Years"`` → 18.0, ``"6 Months"`` → 0.5, ``"N/A"`` → None.

    >>> parse_age("18 Years"), parse_age("6 Months"), parse_age("N/A"), parse_age("65")
    (18.0, 0.5, None, 65.0)
    """
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return _parse_age_text(str(value).strip().lower())


_AGE = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]*)\.?(?:\s*old)?")


@functools.lru_cache(maxsize=4096)
def _parse_age_text(text: str) -> float | None:
    m = _AGE.fullmatch(text)
    if not m:
        return None
    number, unit = float(m[1]), m[2] or "years"
    factor = _AGE_UNITS.get(unit)
    if factor is None:
        return None
    return round(number * factor, 4)


_STATUS = {
    "not yet recruiting": "NOT_YET_RECRUITING", "recruiting": "RECRUITING",
    "enrolling by invitation": "ENROLLING_BY_INVITATION",
    "active not recruiting": "ACTIVE_NOT_RECRUITING", "active": "ACTIVE_NOT_RECRUITING",
    "suspended": "SUSPENDED", "terminated": "TERMINATED", "completed": "COMPLETED",
    "withdrawn": "WITHDRAWN", "unknown": "UNKNOWN", "unknown status": "UNKNOWN", "withheld": "WITHHELD",
    "available": "AVAILABLE", "no longer available": "NO_LONGER_AVAILABLE",
    "temporarily not available": "TEMPORARILY_NOT_AVAILABLE",
    "approved for marketing": "APPROVED_FOR_MARKETING",
    # other registries
    "pending": "NOT_YET_RECRUITING", "not recruiting": "ACTIVE_NOT_RECRUITING",
    "closed to recruitment of participants": "ACTIVE_NOT_RECRUITING",
    "recruitment completed": "ACTIVE_NOT_RECRUITING",
    "stopped early": "TERMINATED", "ongoing": "ACTIVE_NOT_RECRUITING",
    "prematurely ended": "TERMINATED", "completed study": "COMPLETED", "complete": "COMPLETED",
}


def map_status(value: object) -> str | None:
    """Overall status in API v2 spelling.

    >>> map_status("Active, not recruiting"), map_status("Unknown status"), map_status("RECRUITING")
    ('ACTIVE_NOT_RECRUITING', 'UNKNOWN', 'RECRUITING')
    """
    if value is None:
        return None
    return _STATUS.get(_key(str(value)))


_PHASE_WORDS = {
    "early phase 1": "EARLY_PHASE1", "early phase i": "EARLY_PHASE1", "phase 0": "EARLY_PHASE1",
    "early phase1": "EARLY_PHASE1", "phase0": "EARLY_PHASE1",
    "phase 1": "PHASE1", "phase i": "PHASE1", "phase1": "PHASE1",
    "phase 2": "PHASE2", "phase ii": "PHASE2", "phase2": "PHASE2",
    "phase 3": "PHASE3", "phase iii": "PHASE3", "phase3": "PHASE3",
    "phase 4": "PHASE4", "phase iv": "PHASE4", "phase4": "PHASE4",
}
_PHASE_ORDER = ["EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4"]
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "1": "1", "2": "2", "3": "3", "4": "4", "0": "0"}


def map_phase(value: object) -> str | None:
    """Phases joined by ``/`` in order, or ``NA``.

    >>> map_phase("Phase 1/Phase 2"), map_phase(["PHASE1", "PHASE2"]), map_phase("Phase 1 Phase 2")
    ('PHASE1/PHASE2', 'PHASE1/PHASE2', 'PHASE1/PHASE2')
    >>> map_phase("N/A"), map_phase("Not Applicable"), map_phase("Phase I/II"), map_phase("Phase 2a")
    ('NA', 'NA', 'PHASE1/PHASE2', 'PHASE2')
    """
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        parts = [map_phase(v) for v in value]
        found = {p for part in parts if part for p in part.split("/")}
        if not found:
            return None
        if found == {"NA"}:
            return "NA"
        found.discard("NA")
        return "/".join(p for p in _PHASE_ORDER if p in found)
    return _phase_of_key(_key(str(value)))


@functools.lru_cache(maxsize=1024)
def _phase_of_key(text: str) -> str | None:
    if not text:
        return None
    if text in ("na", "n a", "not applicable", "none", "not specified"):
        return "NA"
    text = text.replace("phase ", "phase").replace("phase", "phase ")
    found: set[str] = set()
    if re.search(r"\bearly phase 1\b|\bearly phase i\b|\bphase 0\b", text):
        found.add("EARLY_PHASE1")
        text = re.sub(r"\bearly phase (1|i)\b|\bphase 0\b", " ", text)
    # "phase 1 2", "phase i ii", "phase 1 phase 2", "phase 2a", "phase 1b 2a"
    for m in re.finditer(r"phase\s+((?:(?:iv|iii|ii|i|[0-4])[ab]?\s*)+)", text):
        for token in m[1].split():
            token = token.rstrip("ab") or token
            digit = _ROMAN.get(token)
            if digit and digit != "0":
                found.add(f"PHASE{digit}")
    if not found:
        m = re.fullmatch(r"(?:phase\s*)?(\d)(?:\s+(\d))?", text)
        if m:
            found.update(f"PHASE{d}" for d in m.groups() if d and d in "1234")
        elif m2 := re.fullmatch(r"(\d)\s*(\d)", text):
            found.update(f"PHASE{d}" for d in m2.groups() if d in "1234")
    if not found:
        return None
    return "/".join(p for p in _PHASE_ORDER if p in found)


def _enum_lookup(table: dict[str, str], value: object) -> str | None:
    if value is None:
        return None
    key = _key(str(value))
    if not key:
        return None
    if key in table:
        return table[key]
    upper = str(value).strip().upper().replace(" ", "_")
    if upper in table.values():
        return upper
    return None


_STUDY_TYPE = {
    "interventional": "INTERVENTIONAL", "interventional clinical trial": "INTERVENTIONAL",
    "intervention": "INTERVENTIONAL", "interventional study": "INTERVENTIONAL",
    "observational": "OBSERVATIONAL", "observational study": "OBSERVATIONAL",
    "observational patient registry": "OBSERVATIONAL",
    "expanded access": "EXPANDED_ACCESS", "expanded access program": "EXPANDED_ACCESS",
}


def map_study_type(value: object) -> str | None:
    """Map a source spelling; unmapped → None.

    >>> map_study_type("Interventional  (Clinical Trial)")
    'INTERVENTIONAL'
    """
    if value is None:
        return None
    key = _key(str(value))
    if key.startswith("interventional"):
        return "INTERVENTIONAL"
    if key.startswith("observational"):
        return "OBSERVATIONAL"
    if key.startswith("expanded access"):
        return "EXPANDED_ACCESS"
    return _enum_lookup(_STUDY_TYPE, value)


_ALLOCATION = {
    "randomized": "RANDOMIZED", "randomised": "RANDOMIZED", "random": "RANDOMIZED",
    "randomized controlled trial": "RANDOMIZED", "yes": None,
    "non randomized": "NON_RANDOMIZED", "nonrandomized": "NON_RANDOMIZED",
    "non randomised": "NON_RANDOMIZED", "not randomized": "NON_RANDOMIZED",
    "non randomized controlled trial": "NON_RANDOMIZED",
    "na": "NA", "n a": "NA", "not applicable": "NA", "single arm": "NA",
}


def map_allocation(value: object) -> str | None:
    """Map a source spelling; unmapped → None.

    >>> map_allocation("Randomized"), map_allocation("Non-Randomized"), map_allocation("N/A")
    ('RANDOMIZED', 'NON_RANDOMIZED', 'NA')
    """
    return _enum_lookup(_ALLOCATION, value)


_MODEL = {
    "single group assignment": "SINGLE_GROUP", "single group": "SINGLE_GROUP", "single arm": "SINGLE_GROUP",
    "parallel assignment": "PARALLEL", "parallel": "PARALLEL", "parallel group": "PARALLEL",
    "crossover assignment": "CROSSOVER", "crossover": "CROSSOVER", "cross over": "CROSSOVER",
    "factorial assignment": "FACTORIAL", "factorial": "FACTORIAL",
    "sequential assignment": "SEQUENTIAL", "sequential": "SEQUENTIAL",
    "single group assigment": "SINGLE_GROUP",
}


def map_intervention_model(value: object) -> str | None:
    """Map a source spelling; unmapped → None.

    >>> map_intervention_model("Parallel Assignment")
    'PARALLEL'
    """
    return _enum_lookup(_MODEL, value)


_MASKING_WORDS = {"none": "NONE", "open label": "NONE", "open": "NONE", "single": "SINGLE",
                  "double": "DOUBLE", "triple": "TRIPLE", "quadruple": "QUADRUPLE"}


def map_masking(value: object) -> str | None:
    """Masking level; the who-masked list is read separately by :func:`who_masked`.

    >>> map_masking("Double (Participant, Investigator)"), map_masking("None (Open Label)")
    ('DOUBLE', 'NONE')
    >>> map_masking("Single Blind"), map_masking("Double-blind"), map_masking("Open Label")
    ('SINGLE', 'DOUBLE', 'NONE')
    """
    if value is None:
        return None
    key = _key(str(value))
    if not key:
        return None
    if key.upper().replace(" ", "_") in _MASKING_WORDS.values():
        return key.upper().replace(" ", "_")
    for prefix, mapped in (("none", "NONE"), ("open label", "NONE"), ("open", "NONE"),
                           ("no masking", "NONE"), ("not blinded", "NONE"), ("unblinded", "NONE"),
                           ("single", "SINGLE"), ("double", "DOUBLE"), ("triple", "TRIPLE"),
                           ("quadruple", "QUADRUPLE"), ("blinded", None)):
        if key == prefix or key.startswith(prefix + " "):
            return mapped
    return None


def who_masked(value: object) -> str | None:
    """``"Double (Participant, Investigator)"`` → ``"PARTICIPANT|INVESTIGATOR"``."""
    if value is None:
        return None
    found = []
    text = str(value).lower()
    for word, mapped in (("participant", "PARTICIPANT"), ("subject", "PARTICIPANT"),
                         ("care provider", "CARE_PROVIDER"), ("investigator", "INVESTIGATOR"),
                         ("outcomes assessor", "OUTCOMES_ASSESSOR"), ("outcome assessor", "OUTCOMES_ASSESSOR")):
        if word in text and mapped not in found:
            found.append(mapped)
    return "|".join(found) or None


_PURPOSE = {
    "treatment": "TREATMENT", "prevention": "PREVENTION", "diagnostic": "DIAGNOSTIC",
    "educational counseling training": "ECT", "ect": "ECT", "supportive care": "SUPPORTIVE_CARE",
    "screening": "SCREENING", "health services research": "HEALTH_SERVICES_RESEARCH",
    "basic science": "BASIC_SCIENCE", "device feasibility": "DEVICE_FEASIBILITY", "other": "OTHER",
    "therapy": "TREATMENT", "prophylaxis": "PREVENTION",
}


def map_purpose(value: object) -> str | None:
    """Map a source spelling; unmapped → None.

    >>> map_purpose("Supportive Care")
    'SUPPORTIVE_CARE'
    """
    return _enum_lookup(_PURPOSE, value)


_ARM_TYPE = {
    "experimental": "EXPERIMENTAL", "active comparator": "ACTIVE_COMPARATOR",
    "placebo comparator": "PLACEBO_COMPARATOR", "sham comparator": "SHAM_COMPARATOR",
    "no intervention": "NO_INTERVENTION", "other": "OTHER",
    "placebo": "PLACEBO_COMPARATOR", "sham": "SHAM_COMPARATOR", "active control": "ACTIVE_COMPARATOR",
}


def map_arm_type(value: object) -> str | None:
    """Map a source spelling; unmapped → None.

    >>> map_arm_type("Placebo Comparator")
    'PLACEBO_COMPARATOR'
    """
    return _enum_lookup(_ARM_TYPE, value)


_INTERVENTION_TYPE = {
    "biological": "BIOLOGICAL", "biologic": "BIOLOGICAL", "drug": "DRUG", "device": "DEVICE",
    "procedure": "PROCEDURE", "procedure surgery": "PROCEDURE", "behavioral": "BEHAVIORAL",
    "genetic": "GENETIC", "dietary supplement": "DIETARY_SUPPLEMENT",
    "combination product": "COMBINATION_PRODUCT", "diagnostic test": "DIAGNOSTIC_TEST",
    "radiation": "RADIATION", "other": "OTHER", "biological vaccine": "BIOLOGICAL",
}


def map_intervention_type(value: object) -> str | None:
    """Map a source spelling; unmapped → None.

    >>> map_intervention_type("Dietary Supplement"), map_intervention_type("Procedure/Surgery")
    ('DIETARY_SUPPLEMENT', 'PROCEDURE')
    """
    return _enum_lookup(_INTERVENTION_TYPE, value)


_SEX = {"all": "ALL", "both": "ALL", "male": "MALE", "female": "FEMALE", "men": "MALE",
        "women": "FEMALE", "male female": "ALL", "female male": "ALL", "males": "MALE",
        "females": "FEMALE", "both male and female": "ALL", "m": "MALE", "f": "FEMALE"}


def map_sex(value: object) -> str | None:
    """Map a source spelling; unmapped → None.

    >>> map_sex("Both"), map_sex("Female")
    ('ALL', 'FEMALE')
    """
    return _enum_lookup(_SEX, value)


def map_date_type(value: object) -> str | None:
    """``Actual`` → ACTUAL; ``Anticipated``/``Estimate``/``Estimated`` → ESTIMATED."""
    if value is None:
        return None
    key = _key(str(value))
    if key in ("actual",):
        return "ACTUAL"
    if key in ("anticipated", "estimate", "estimated", "expected", "planned", "anticipated enrollment"):
        return "ESTIMATED"
    return None


def map_bool(value: object) -> bool | None:
    """``Yes``/``Accepts Healthy Volunteers``/``true`` → True; ``No``/``false`` → False."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    key = _key(str(value))
    if key in ("yes", "true", "y", "accepts healthy volunteers", "1"):
        return True
    if key in ("no", "false", "n", "0"):
        return False
    return None


def parse_int(value: object) -> int | None:
    """Map a source spelling; unmapped → None.

    >>> parse_int("1,200"), parse_int(" 30 "), parse_int("about"), parse_int(12.0)
    (1200, 30, None, 12)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value).strip().replace(",", "").replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"\d+", text):
        return int(text)
    if re.fullmatch(r"\d+\.0+", text):
        return int(float(text))
    return None


AGENCY_CLASSES = frozenset(
    {"NIH", "FED", "OTHER_GOV", "INDIV", "INDUSTRY", "NETWORK", "AMBIG", "OTHER", "UNKNOWN"}
)


def map_agency_class(value: object) -> str | None:
    """Map a source spelling; unmapped → None.

    >>> map_agency_class("U.S. Fed"), map_agency_class("Industry"), map_agency_class("NIH")
    ('FED', 'INDUSTRY', 'NIH')
    """
    if value is None:
        return None
    key = _key(str(value)).upper().replace(" ", "_")
    if key in ("U_S_FED", "US_FED", "FEDERAL"):
        return "FED"
    if key in AGENCY_CLASSES:
        return key
    return None
