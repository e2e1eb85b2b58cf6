"""Whether a rebuild keeps the installed build's trial identity, so that only the changed documents' trials are
ranked and merged again.

Identity (:mod:`warehouse.identity`) maps every record's trial id to a trial from the records' own ids and the
other ids they name, and links each page without an id to a trial by titles and summary. A rebuild may keep the
installed map when, on the same paths as the installed build, the documents that changed (entry, id or verdict)
leave its inputs as they were:

* none of their records, before or after, is a page without an id;
* every trial id they tell, before or after, is told by some ingested record on both sides or on neither;
* the links that decide, for every id they name links from (before or after): when the installed identity
  refused no link (two ids of one registry in one trial), the trials are the connected ids, so the records of
  that id must name the same (id, other id, alias) links as before, in any order; otherwise the order of links
  matters, and it is the order of the records' lists of links (:func:`warehouse.identity.resolve_ids_counted`),
  so the id's records must name the same lists as before (a list met again changes nothing: its ids were
  joined, or refused for good, the first time);
* when some page lacks an id: for every trial of theirs, its records' titles and summaries (``link_text``) must
  be the same as before (a page is linked by the set of titles and by each trial's first summary in text
  order).

The tables read are the installed build's documents and map (``built_docs``, ``trial_map``), this build's
documents (``_cur``) and the index of records and their links (``rec_index``, ``link_index``) kept in the parse
cache's manifest (:mod:`warehouse.cache`).
"""

from __future__ import annotations

import duckdb

_SAME_DOCUMENTS = """
    SELECT (SELECT count(*) FROM built_docs) = count(*) AND count(*) = count(DISTINCT path)
           AND count(*) = (SELECT count(*) FROM _cur),
           EXISTS (SELECT 1 FROM trial_map WHERE starts_with(source_trial_id, 'DOC-')),
           (SELECT max(value) FROM meta WHERE key = 'identity_refused')
    FROM _cur JOIN built_docs USING (path)"""

_CHANGED = """
    CREATE OR REPLACE TEMP TABLE _changed AS
    SELECT c.path, b.ck AS old_ck, b.error IS NULL AS old_in, c.ck AS new_ck, c.ingested AS new_in
    FROM _cur c JOIN built_docs b USING (path)
    WHERE c.ck IS DISTINCT FROM b.ck OR c.doc_id IS DISTINCT FROM b.doc_id OR c.error IS DISTINCT FROM b.error"""

#: The ingested entries of the installed build ('old') and of this one ('new'), each at its document's position.
_SIDES = """
    CREATE OR REPLACE TEMP TABLE _sides AS
    SELECT 'old' AS side, c.doc_key, b.ck FROM built_docs b JOIN _cur c USING (path) WHERE b.error IS NULL
    UNION ALL
    SELECT 'new', doc_key, ck FROM _cur WHERE ingested"""

#: The changed documents' entries, before and after.
_CHANGED_ENTRIES = """changed AS (SELECT 'old' AS side, old_ck AS ck FROM _changed WHERE old_in
                                 UNION ALL SELECT 'new', new_ck FROM _changed WHERE new_in)"""


def _differ(select: str) -> str:
    """A count of the rows of ``select`` (side, ...) found on one side only (``select`` run once)."""
    return f"""
        WITH found AS MATERIALIZED ({select})
        SELECT count(*) FROM (SELECT * EXCLUDE (side) FROM found WHERE side = 'old'
                              EXCEPT ALL SELECT * EXCLUDE (side) FROM found WHERE side = 'new'
                              UNION ALL
                              (SELECT * EXCLUDE (side) FROM found WHERE side = 'new'
                               EXCEPT ALL SELECT * EXCLUDE (side) FROM found WHERE side = 'old'))"""


#: The trial ids the changed documents tell: whether each is told by some ingested record, on each side.
_TOLD = f"""
    WITH {_CHANGED_ENTRIES},
    ids AS (SELECT DISTINCT r.trial_id FROM changed c JOIN rec_index r USING (ck))
    SELECT DISTINCT s.side, r.trial_id FROM _sides s JOIN rec_index r USING (ck)
    WHERE r.trial_id IN (SELECT trial_id FROM ids)"""

_PAGES_CHANGED = f"""
    WITH {_CHANGED_ENTRIES}
    SELECT count(*) FROM changed c JOIN rec_index r USING (ck) WHERE starts_with(r.trial_id, 'DOC-')"""

#: The links of every record of the ids the changed documents' records name links from, on both sides.
_LINKS = f"""
    WITH {_CHANGED_ENTRIES},
    ids AS (SELECT DISTINCT r.trial_id FROM changed c JOIN link_index l USING (ck)
            JOIN rec_index r ON r.ck = l.ck AND r.rec = l.rec)
    SELECT s.side, r.trial_id, s.doc_key, l.rec, l.idx, l.linked_id, l.is_alias
    FROM _sides s JOIN link_index l USING (ck) JOIN rec_index r ON r.ck = l.ck AND r.rec = l.rec
    WHERE r.trial_id IN (SELECT trial_id FROM ids)"""

_LINK_SET = f"SELECT DISTINCT side, trial_id, linked_id, is_alias FROM ({_LINKS})"


#: Per id: the distinct lists of links its records name (each list in the record's order).
_LINK_LISTS = f"""
    SELECT DISTINCT side, trial_id, links FROM (
        SELECT side, trial_id, string_agg(concat_ws(chr(31), linked_id, is_alias), chr(30) ORDER BY idx) AS links
        FROM ({_LINKS}) GROUP BY side, trial_id, doc_key, rec)"""

#: The distinct titles and summaries of the records of the changed documents' trials (``_scope``), on both sides.
_TEXTS = """
    SELECT DISTINCT s.side, m.trial_id, r.link_text
    FROM _sides s JOIN rec_index r USING (ck) JOIN trial_map m ON m.source_trial_id = r.trial_id
    WHERE m.trial_id IN (SELECT trial_id FROM _scope) AND NOT starts_with(r.trial_id, 'DOC-')"""

_SCOPE = """
    CREATE OR REPLACE TEMP TABLE _scope AS
    SELECT DISTINCT m.trial_id FROM _changed c JOIN rec_index r ON r.ck = c.old_ck OR r.ck = c.new_ck
    JOIN trial_map m ON m.source_trial_id = r.trial_id"""


def identity_stands(con: duckdb.DuckDBPyConnection, typed_fields: list[str]) -> bool:
    """Whether the installed build's trial identity holds for this build (see the module's notes). Then
    ``_changed`` holds the changed documents (path, old and new entry and verdict), ``_scope`` their trials,
    ``_map`` those trials' map and ``_recs`` their records' ids, dates and ``typed_fields``, for ranking; else
    nothing is left made."""
    same, pages, refused = con.execute(_SAME_DOCUMENTS).fetchone()
    if not same or refused is None:
        return False
    con.execute(_CHANGED)
    con.execute(_SIDES)
    stands = (not _count(con, _PAGES_CHANGED) and not _count(con, _differ(_TOLD))
              and not _count(con, _differ(_LINK_SET if refused == "0" else _LINK_LISTS)))
    if stands:
        con.execute(_SCOPE)
        stands = not pages or not _count(con, _differ(_TEXTS))
    con.execute("DROP TABLE _sides")
    if not stands:
        con.execute("DROP TABLE IF EXISTS _scope")
        con.execute("DROP TABLE _changed")
        return False
    con.execute("CREATE OR REPLACE TEMP TABLE _map AS SELECT * FROM trial_map SEMI JOIN _scope USING (trial_id)")
    dates = "".join(f', r."{t}"' for t in typed_fields)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _recs AS SELECT r.ck, r.rec, r.trial_id, r.last_update_date{dates} "
                "FROM rec_index r SEMI JOIN (SELECT ck FROM _cur WHERE ingested) USING (ck) "
                "JOIN _map m ON m.source_trial_id = r.trial_id")
    return True


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(sql).fetchone()[0]
