"""WHO ICTRP portal CSV parser: golden values read by hand from the real 2009 export in fixtures/ictrp_csv.

The export does not quote its values: rows spill over lines at line breaks inside values and split at commas
inside values. The golden rows below are ones the raw file splits so.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.dispatch import detect, parse_document
from ingest.errors import ParseError
from ingest.formats.ctgov_csv import CtgovCsvParser
from ingest.formats.ictrp_csv import IctrpCsvParser, _starts_row, _typed_ok, fold, rows

FIXTURE = Path(__file__).parent / "fixtures" / "ictrp_csv" / "IctrpResults_2009.csv"
CTGOV_CSV = Path(__file__).parent / "fixtures" / "ctgov_csv"


@pytest.fixture(scope="module")
def doc():
    return parse_document(str(FIXTURE), FIXTURE.read_bytes())


@pytest.fixture(scope="module")
def by_id(doc):
    return {r.trial_id: r for r in doc.records}


def test_detected_as_the_portal_csv_and_not_as_a_clinicaltrials_gov_csv():
    text = FIXTURE.read_text(encoding="utf-8")
    parser, score = detect(text, str(FIXTURE))
    assert parser is IctrpCsvParser and score == 0.95
    assert CtgovCsvParser.detect(text, str(FIXTURE)) == 0.0
    for path in sorted(CTGOV_CSV.glob("*.csv")):
        assert IctrpCsvParser.detect(path.read_text(encoding="utf-8", errors="replace"), str(path)) == 0.0


def test_every_registration_is_one_record(doc):
    # 5,423 lines after the header: 174 continue a row (their first value is text, not an id) and 26 are blank,
    # so 5,223 registrations, each once
    assert doc.error is None and doc.format == "ictrp_csv" and doc.layout == "portal_csv"
    ids = [r.trial_id for r in doc.records]
    assert len(ids) == len(set(ids)) == 5223
    assert all(r.brief_title and r.overall_status == "RECRUITING" and r.source_url and r.first_posted_date
               for r in doc.records)
    assert {r.registry for r in doc.records} >= {"ClinicalTrials.gov", "ANZCTR", "ISRCTN", "CTRI", "ChiCTR", "IRCT"}


def test_a_row_spilled_over_three_lines(by_id):
    """ACTRN12607000279426 (placenta-derived MSC): its title and scientific title hold a line break each."""
    r = by_id["ACTRN12607000279426"]
    assert r.registry == "ANZCTR"
    assert r.brief_title.startswith("A phase I multicentre open label dose-escalation study of unrelated- Major")
    assert r.brief_title.endswith("stem cell (HSC) transplants.\nMMRI CT4-MSC-UCB-001 Mater 954A")
    assert r.official_title.endswith("transplants.\nMMRI CT4-MSC-UCB-001 Mater 954A")
    assert r.acronym == "MMRI CT4 MSC UCB 001"
    assert (r.first_posted_date, r.start_date, r.enrollment) == (dt.date(2007, 5, 25), dt.date(2007, 5, 9), 9)
    assert r.lead_sponsor == "Mater Medical Research Institute"
    assert (r.study_type, r.allocation, r.intervention_model) == ("INTERVENTIONAL", "NON_RANDOMIZED", "SINGLE_GROUP")
    assert r.source_url == "http://www.anzctr.org.au/ACTRN12607000279426.aspx"


def test_html_escapes_and_a_line_break_in_the_acronym(by_id):
    r = by_id["ACTRN12608000509369"]
    assert r.acronym == '"VIBRATE"\nVibration Insulin resistance Body composition Research And Therapeutic Effect'
    assert (r.start_date, r.enrollment, r.allocation, r.intervention_model) == (
        dt.date(2008, 6, 17), 48, "RANDOMIZED", "PARALLEL")


def test_a_comma_inside_a_value_is_joined_back(by_id):
    r = by_id["ACTRN12605000387628"]
    assert r.lead_sponsor == "Australian New Zealand Breast Cancer Trials Group Ltd"
    assert r.acronym == "IBCSG 27-02 / BIG 1-02 / NSABP, NCTR564"
    assert (r.start_date, r.enrollment) == (dt.date(2005, 2, 24), 977)
    assert r.source_url == "http://www.anzctr.org.au/ACTRN12605000387628.aspx"


def test_a_design_on_two_lines_and_month_name_dates(by_id):
    r = by_id["ISRCTN23348591"]
    assert r.acronym == "EXTRRA" and r.official_title is None
    assert (r.first_posted_date, r.start_date, r.enrollment) == (dt.date(2008, 3, 27), dt.date(2007, 9, 4), 60)
    assert r.source_url == "http://isrctn.org/ISRCTN23348591"


def test_ids_of_registries_without_a_pattern_still_start_rows(by_id):
    assert by_id["NTR55"].source_url and by_id["NTR55"].brief_title


def test_columns_of_the_later_export_are_read():
    header = ["TrialID", "Last Refreshed on", "Public title", "Scientific title", "Primary sponsor",
              "Date registration", "Source Register", "web address", "Recruitment Status", "Inclusion agemin",
              "Inclusion agemax", "Inclusion gender", "Target size", "Study type", "Countries", "Contact Firstname",
              "Contact Lastname", "Contact Email", "Inclusion Criteria", "Exclusion Criteria", "Condition"]
    # (the values of ACTRN12607000279426 in the 2009 file, spelled as the later export spells them)
    row = ["ACTRN12607000279426", "9 February 2009", "A phase I study of placenta-derived mesenchymal stem cells",
           "A phase I dose-escalation study", "Mater Medical Research Institute", "25/05/2007", "ANZCTR",
           "http://www.anzctr.org.au/ACTRN12607000279426.aspx", "Recruiting", "18Y", "60Y", "Both", "9",
           "Interventional", "Australia", "Kerry", "Atkinson", "kerry@example.org", "Haematological malignancy",
           "Active infection", "Leukaemia"]
    text = ",".join(header) + "\r\n" + ",".join(row) + ",\r\n"
    [r] = IctrpCsvParser.parse(text, "x.csv")
    assert (r.trial_id, r.registry, r.last_update_date) == ("ACTRN12607000279426", "ANZCTR", dt.date(2009, 2, 9))
    assert (r.min_age_years, r.max_age_years, r.countries, r.conditions) == (18.0, 60.0, ["Australia"],
                                                                             ["Leukaemia"])
    assert [c.text for c in r.criteria] == ["Haematological malignancy", "Active infection"]
    assert [(c.name, c.email) for c in r.contacts] == [("Kerry Atkinson", "kerry@example.org")]


def test_a_header_only_or_another_table_is_an_error():
    with pytest.raises(ParseError):
        IctrpCsvParser.parse("TrialID,Register,Primary sponsor\r\n", "x.csv")
    assert IctrpCsvParser.detect("Rank,NCT Number,Title\r\n1,NCT00000001,x\r\n", "x.csv") == 0.0
    assert IctrpCsvParser.detect('{"TrialID": 1}', "x.json") == 0.0


_LINES = FIXTURE.read_bytes().decode("utf-8").split("\r\n")
_HEADER = _LINES[0]
_SIMPLE = [line for line in _LINES[1:400] if line.count(",") == 13 and "\n" not in line and "\r" not in line]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(picks=st.lists(st.tuples(st.integers(0, len(_SIMPLE) - 1), st.integers(2, 12), st.integers(1, 30)),
                      min_size=1, max_size=8))
def test_line_breaks_inside_values_are_joined_back(picks):
    """Real rows written with a line break inside some value (as the export writes them) read as the same rows
    with that break in the value."""
    expected = []
    lines = [_HEADER]
    for row_at, col, cut in picks:
        cells = _SIMPLE[row_at].split(",")
        value = cells[col]
        if not value[cut:].strip() or cut >= len(value):
            cut = 0  # (a value whose second line is blanks only cannot be told from a blank line between rows)
        if cut:
            cells[col] = value[:cut] + "\r\n" + value[cut:]
        lines.append(",".join(cells))
        expected.append([*cells[:col], value[:cut] + "\n" + value[cut:] if cut else value, *cells[col + 1:13]])
    header, found = rows("\r\n".join(lines) + "\r\n")
    assert [fold(h) for h in header][0] == "trialid"
    assert found == expected


_FREE_TEXT = [col for col, name in enumerate(_HEADER.split(",")) if col > 1 and _typed_ok(fold(name), "x") is None]
_ID_WORDS = st.from_regex(r"[A-Z]{2,6}(-[A-Z0-9]{1,4})?[0-9]{1,5}[.]?", fullmatch=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(picks=st.lists(st.tuples(st.integers(0, len(_SIMPLE) - 1), st.sampled_from(_FREE_TEXT), _ID_WORDS),
                      min_size=1, max_size=6))
def test_a_line_that_is_one_id_like_word_inside_a_value_is_joined_back(picks):
    """A free-text value whose last line is one id-like word (an acronym on a line of its own: ``INTERFANT-06``)
    is joined back to its row rather than read as a registration of its own."""
    expected = []
    lines = [_HEADER]
    for row_at, col, word in picks:
        cells = _SIMPLE[row_at].split(",")
        assert _starts_row([word])
        expected.append([*cells[:col], f"{cells[col]}\n{word}", *cells[col + 1:13]])
        cells[col] = f"{cells[col]}\r\n{word}"
        lines.append(",".join(cells))
    header, found = rows("\r\n".join(lines) + "\r\n")
    assert found == expected


def test_a_build_ingests_the_portal_csv(tmp_path):
    """End to end: the first 120 lines of the real export (rows spilled over lines included) as a download."""
    import duckdb

    from warehouse.build import build

    part = tmp_path / "in" / "IctrpResults.csv"
    part.parent.mkdir()
    part.write_bytes(b"\r\n".join(FIXTURE.read_bytes().split(b"\r\n")[:120]) + b"\r\n")
    expected = [r.trial_id for r in IctrpCsvParser.parse(part.read_bytes().decode("utf-8"), str(part))]
    summary = build([str(part.parent)], str(tmp_path / "w.duckdb"), quiet=True)
    assert summary.documents == summary.ingested == 1
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT format, layout, n_trials FROM documents").fetchall() == [
            ("ictrp_csv", "portal_csv", len(expected))]
        got = [t for (t,) in con.execute("SELECT trial_id FROM trials ORDER BY trial_id").fetchall()]
        assert got == sorted(expected) and "ACTRN12607000279426" in got
        assert con.execute("SELECT start_date, enrollment FROM trials WHERE trial_id = 'ACTRN12607000279426'"
                           ).fetchone() == (dt.date(2007, 5, 9), 9)
    finally:
        con.close()


def test_a_large_export_is_read_as_a_stream_with_the_rows_of_reading_it_whole(tmp_path, monkeypatch):
    """The first 400 lines of the real export, streamed in batches of 7 rows: the same tables as read whole."""
    from table_rows import all_tables

    from warehouse import derive, stream_parse
    from warehouse.build import build

    part = tmp_path / "in" / "IctrpResults.csv"
    part.parent.mkdir()
    part.write_bytes(b"\r\n".join(FIXTURE.read_bytes().split(b"\r\n")[:400]) + b"\r\n")
    monkeypatch.setattr(derive, "STEPS", [])
    build([str(part.parent)], str(tmp_path / "whole.duckdb"), workers=1, quiet=True)
    streamed = []
    real = stream_parse.parse_into_segment

    def parse_into_segment(item, sha, size, segments):
        streamed.append(item.path)
        return real(item, sha, size, segments)

    monkeypatch.setattr(stream_parse, "parse_into_segment", parse_into_segment)
    monkeypatch.setattr(stream_parse, "STREAM_BYTES", 1)
    monkeypatch.setattr(stream_parse, "BATCH_RECORDS", 7)
    build([str(part.parent)], str(tmp_path / "streamed.duckdb"), workers=1, quiet=True, cache=True)
    assert streamed == [str(part)]
    leave_out = ("build_info",)
    got = all_tables(tmp_path / "streamed.duckdb", leave_out=leave_out)
    assert got == all_tables(tmp_path / "whole.duckdb", leave_out=leave_out) and len(got["trials"]) > 350
