"""Derive step: eligibility criteria as data (``criteria_facts``, ``criteria_themes``, ``trial_age_window``).

Each criterion item is read with the pure extractors of :mod:`warehouse.criteria_patterns`; the results are
bulk loaded, every fact whose evidence is not a substring of its criterion is dropped, and the effective age
window of each trial is computed in SQL.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from warehouse.parallel import map_chunks

#: Columns of ``criteria_facts`` and ``criteria_themes`` rows and their types.
FACT_COLUMNS = {
    "trial_id": pa.string(), "criterion_type": pa.string(), "ordinal": pa.int32(), "fact_no": pa.int32(),
    "fact": pa.string(), "low": pa.float64(), "high": pa.float64(), "low_inclusive": pa.bool_(),
    "high_inclusive": pa.bool_(), "unit": pa.string(), "evidence": pa.string(), "doc_id": pa.string(),
}
THEME_COLUMNS = {
    "trial_id": pa.string(), "criterion_type": pa.string(), "ordinal": pa.int32(), "theme": pa.string(),
    "matched": pa.string(), "doc_id": pa.string(),
}
#: An item naming someone other than the participant: its ages do not bound the trial's age window.
OTHER_PERSON = (r"(?i)\b(?:donors?|parents?|guardians?|care ?givers?|caretakers?|mothers?|fathers?|partners?|"
                r"spouses?|siblings?|relatives?|family members?|household|contacts?|maternal|paternal|"
                r"legal(?:ly authorized)? representatives?)\b")
#: Two ages are the same when they differ by less than this (years; months are converted).
AGE_TOLERANCE = 0.01


def read_items(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int, str, str | None]]:
    return con.execute(
        "SELECT trial_id, criterion_type, ordinal, criterion_text, doc_id FROM criteria "
        "ORDER BY trial_id, criterion_type, ordinal"
    ).fetchall()


def fact_frame(items: list[tuple[str, str, int, str, str | None]]) -> pa.Table:
    from warehouse.criteria_patterns import extract_facts  # (compiled patterns: only where criteria are read)

    rows: dict[str, list] = {k: [] for k in FACT_COLUMNS}
    for trial_id, ctype, ordinal, text, doc_id in items:
        for n, f in enumerate(extract_facts(text), start=1):
            for key, value in (("trial_id", trial_id), ("criterion_type", ctype), ("ordinal", ordinal),
                               ("fact_no", n), ("fact", f.fact), ("low", f.low), ("high", f.high),
                               ("low_inclusive", f.low_inclusive), ("high_inclusive", f.high_inclusive),
                               ("unit", f.unit), ("evidence", f.evidence), ("doc_id", doc_id)):
                rows[key].append(value)
    return _frame(rows, FACT_COLUMNS)


def theme_frame(items: list[tuple[str, str, int, str, str | None]]) -> pa.Table:
    from warehouse.criteria_patterns import load_themes, tag_themes

    themes = load_themes()
    rows: dict[str, list] = {k: [] for k in THEME_COLUMNS}
    for trial_id, ctype, ordinal, text, doc_id in items:
        for theme, matched in tag_themes(text, themes, ctype):
            for key, value in (("trial_id", trial_id), ("criterion_type", ctype), ("ordinal", ordinal),
                               ("theme", theme), ("matched", matched), ("doc_id", doc_id)):
                rows[key].append(value)
    return _frame(rows, THEME_COLUMNS)


def _frame(rows: dict[str, list], columns: dict[str, pa.DataType]) -> pa.Table:
    return pa.table({k: pa.array(rows[k], t) for k, t in columns.items()})


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pa.Table, order: str) -> None:
    con.register("_criteria_frame", frame)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _criteria_frame ORDER BY {order}")
    finally:
        con.unregister("_criteria_frame")


_WINDOW_SQL = f"""
INSERT INTO trial_age_window
WITH age AS (  -- ages of the participants (not of donors, parents, caregivers…)
    SELECT f.*, f.criterion_type || ' ' || f.ordinal || ': ' || f.evidence AS ev
    FROM criteria_facts f JOIN criteria c USING (trial_id, criterion_type, ordinal)
    WHERE f.fact = 'age' AND NOT regexp_matches(c.criterion_text, '{OTHER_PERSON}')
      -- nor ages defining a subgroup that a rule applies to: "for participants 1 to 18 years of age, …",
      -- "… in persons over 60 years of age", "(typically age ≥ 13 years)", "women of childbearing potential
      -- (≥ 10 years of age)", assent of minors
      AND NOT regexp_matches(c.criterion_text,
          '(?i)^\\W*for\\s+(?:\\w+\\s+){{0,2}}' ||
          '(?:participants?|patients?|subjects?|children|persons?|people|adults?|individuals?|those|' ||
          'women|men|females?|males?|infants?|adolescents?)' ||
          '\\b|\\bassent\\b')
      AND NOT regexp_matches(substr(c.criterion_text, 1, strpos(c.criterion_text, f.evidence) - 1),
          '(?i)(?:\\b(?:for|in|among)\\s+(?:\\w+\\s+){{0,2}}' ||
          '(?:participants?|patients?|subjects?|children|persons?|people|adults?|individuals?|those|' ||
          'women|men|females?|males?|infants?|adolescents?)' ||
          '|\\b(?:typically|usually|generally|often)|child[- ]?bearing potential\\s*\\()\\W*$')
),
incl AS (  -- inclusion ages stated several times are cohorts or restatements: their union
    SELECT trial_id,
           min(low) AS lo, arg_min(low_inclusive, low) AS lo_inc,
           max(high) AS hi, arg_max(high_inclusive, high) AS hi_inc
    FROM age WHERE criterion_type = 'inclusion' GROUP BY trial_id
),
excl AS (  -- an exclusion bound read inverted: "> 75" excluded → max 75 (inclusive), "< 18" → min 18
    SELECT trial_id,
           max(high) FILTER (low IS NULL) AS lo, NOT arg_max(high_inclusive, high) FILTER (low IS NULL) AS lo_inc,
           min(low) FILTER (high IS NULL) AS hi, NOT arg_min(low_inclusive, low) FILTER (high IS NULL) AS hi_inc
    FROM age WHERE criterion_type = 'exclusion' GROUP BY trial_id
),
evidence AS (
    SELECT trial_id, string_agg(ev, ' | ' ORDER BY criterion_type DESC, ordinal, fact_no) AS evidence
    FROM age WHERE criterion_type = 'inclusion' OR (low IS NULL) <> (high IS NULL) GROUP BY trial_id
),
merged AS (  -- an exclusion bound counts when it narrows the inclusion window without emptying it
    SELECT t.trial_id, t.min_age_years AS s_min, t.max_age_years AS s_max,
           CASE WHEN e.lo IS NOT NULL AND (i.lo IS NULL OR e.lo > i.lo) AND (i.hi IS NULL OR e.lo < i.hi)
                THEN e.lo ELSE i.lo END AS c_min,
           CASE WHEN e.lo IS NOT NULL AND (i.lo IS NULL OR e.lo > i.lo) AND (i.hi IS NULL OR e.lo < i.hi)
                THEN e.lo_inc ELSE i.lo_inc END AS c_min_inc,
           CASE WHEN e.hi IS NOT NULL AND (i.hi IS NULL OR e.hi < i.hi) AND (i.lo IS NULL OR e.hi > i.lo)
                THEN e.hi ELSE i.hi END AS c_max,
           CASE WHEN e.hi IS NOT NULL AND (i.hi IS NULL OR e.hi < i.hi) AND (i.lo IS NULL OR e.hi > i.lo)
                THEN e.hi_inc ELSE i.hi_inc END AS c_max_inc,
           v.evidence
    FROM trials t LEFT JOIN incl i USING (trial_id) LEFT JOIN excl e USING (trial_id)
    LEFT JOIN evidence v USING (trial_id)
),
judged AS (
    SELECT *,
        -- equal, or equal once an exclusive bound is read as whole years ("> 17" = 18, "< 66" = 65)
        -- only bounds stated on both sides are compared (a structured bound left blank means "no limit")
        (c_min IS NULL OR s_min IS NULL OR abs(c_min - s_min) < {AGE_TOLERANCE}
            OR (NOT c_min_inc AND abs(c_min + 1 - s_min) < {AGE_TOLERANCE}))
        AND (c_max IS NULL OR s_max IS NULL OR abs(c_max - s_max) < {AGE_TOLERANCE}
            OR (NOT c_max_inc AND abs(c_max - 1 - s_max) < {AGE_TOLERANCE})) AS same,
        (c_min IS NOT NULL AND s_min IS NOT NULL) OR (c_max IS NOT NULL AND s_max IS NOT NULL) AS comparable
    FROM merged
)
SELECT trial_id,
       CASE WHEN s_min IS NOT NULL OR s_max IS NOT NULL THEN s_min ELSE c_min END,
       CASE WHEN s_min IS NOT NULL OR s_max IS NOT NULL THEN s_max ELSE c_max END,
       CASE WHEN s_min IS NOT NULL OR s_max IS NOT NULL THEN (CASE WHEN s_min IS NOT NULL THEN true END)
            ELSE c_min_inc END,
       CASE WHEN s_min IS NOT NULL OR s_max IS NOT NULL THEN (CASE WHEN s_max IS NOT NULL THEN true END)
            ELSE c_max_inc END,
       CASE WHEN s_min IS NOT NULL OR s_max IS NOT NULL THEN 'structured'
            WHEN c_min IS NOT NULL OR c_max IS NOT NULL THEN 'criteria' ELSE 'none' END,
       CASE WHEN s_min IS NULL AND s_max IS NULL AND (c_min IS NOT NULL OR c_max IS NOT NULL) THEN evidence END,
       c_min, c_max,
       CASE WHEN comparable THEN same END
FROM judged ORDER BY trial_id
"""


def age_agreement(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(trials whose criteria ages agree with the structured ages, trials where both exist)."""
    agree, total = con.execute(
        "SELECT count(*) FILTER (criteria_agrees), count(criteria_agrees) FROM trial_age_window"
    ).fetchone()
    return int(agree), int(total)


def _frames(items: list[tuple[str, str, int, str, str | None]]) -> tuple[pa.Table, pa.Table]:
    return fact_frame(items), theme_frame(items)


def derive(con: duckdb.DuckDBPyConnection, prefilled: bool = False) -> None:
    """Facts, themes and age windows; ``prefilled``: facts and themes were copied from the parse workers'
    rows by the build (:func:`warehouse.merge.sql_derived`), only the age windows remain."""
    if prefilled:  # windows of the trials that have none (all in a full build, the changed ones in a patch)
        if not con.execute("SELECT count(*) FROM trial_age_window").fetchone()[0]:
            con.execute(_WINDOW_SQL)
            return
        con.execute("CREATE OR REPLACE TEMP TABLE _window_todo AS SELECT trial_id FROM trials "
                    "WHERE trial_id NOT IN (SELECT trial_id FROM trial_age_window)")
        todo = "(SELECT * FROM {} WHERE trial_id IN (SELECT trial_id FROM _window_todo))"
        sql = _WINDOW_SQL
        for table, alias in (("trials", "t"), ("criteria_facts", "f"), ("criteria", "c")):
            sql = sql.replace(f"FROM {table} {alias} ", f"FROM {todo.format(table)} {alias} ", 1)
            sql = sql.replace(f"JOIN {table} {alias} ", f"JOIN {todo.format(table)} {alias} ", 1)
        if sql.count("_window_todo") != 3:
            raise RuntimeError("_WINDOW_SQL must read 'trials t', 'criteria_facts f' and 'criteria c' by those names")
        con.execute(sql)
        con.execute("DROP TABLE _window_todo")
        return
    items = read_items(con)
    parts = map_chunks(_frames, items)
    facts = pa.concat_tables([f for f, _ in parts])
    themes = pa.concat_tables([t for _, t in parts])
    _insert(con, "criteria_facts", facts, "trial_id, criterion_type, ordinal, fact_no")
    # validation: a fact whose evidence is not a substring of its criterion is dropped
    con.execute(
        "DELETE FROM criteria_facts f USING criteria c "
        "WHERE c.trial_id = f.trial_id AND c.criterion_type = f.criterion_type AND c.ordinal = f.ordinal "
        "AND strpos(c.criterion_text, f.evidence) = 0"
    )
    _insert(con, "criteria_themes", themes, "trial_id, criterion_type, ordinal, theme")
    con.execute(_WINDOW_SQL)
