"""Trial identity across documents and registries, and linking pages that show no id.

The ids below are real pairs from the shared corpus (e.g. NCT00752479 lists EudraCT 2009-012350-20 and
NCT00081588 lists the alias NCT00980226).
"""

from __future__ import annotations

from ingest.model import Identifier, TrialRecord
from warehouse.identity import link_provisional, normalize_title, resolve

PREFERENCE = ["ClinicalTrials.gov", "EudraCT", "ISRCTN", "ChiCTR"]


def test_secondary_id_joins_registries_under_the_preferred_id():
    nct = TrialRecord("NCT00752479", identifiers=[Identifier("2009-012350-20", "eudract_number")])
    eu = TrialRecord("2009-012350-20")
    assert resolve([eu, nct], PREFERENCE) == {"NCT00752479": "NCT00752479", "2009-012350-20": "NCT00752479"}


def test_reverse_link_from_the_other_registry():
    eu = TrialRecord("2009-012350-20", identifiers=[Identifier("NCT00752479", "registry")])
    nct = TrialRecord("NCT00752479")
    assert resolve([eu, nct], PREFERENCE)["2009-012350-20"] == "NCT00752479"


def test_alias_maps_to_the_current_id():
    current = TrialRecord("NCT00081588", identifiers=[Identifier("NCT00980226", "nct_alias")])
    old = TrialRecord("NCT00980226")
    mapping = resolve([old, current], PREFERENCE)
    assert mapping == {"NCT00081588": "NCT00081588", "NCT00980226": "NCT00081588"}


def test_two_registrations_in_one_registry_are_never_merged():
    # Two different ClinicalTrials.gov studies that both cite one EudraCT number stay two trials.
    a = TrialRecord("NCT01112306", identifiers=[Identifier("2009-014992-31", "other_id")])
    b = TrialRecord("NCT01137474", identifiers=[Identifier("2009-014992-31", "other_id")])
    mapping = resolve([a, b], PREFERENCE)
    assert mapping["NCT01112306"] != mapping["NCT01137474"]


def test_grant_numbers_do_not_link():
    a = TrialRecord("NCT00853112", identifiers=[Identifier("R01 HL123456", "nih")])
    assert resolve([a], PREFERENCE) == {"NCT00853112": "NCT00853112"}


def test_page_without_id_links_by_title():
    known = {"NCT01420432": [TrialRecord(
        "NCT01420432", brief_title="Mesenchymal Stem Cell Transplantation in Patients With Liver Cirrhosis")]}
    page = TrialRecord("DOC-0123456789ab",
                       brief_title="Mesenchymal stem cell transplantation in patients with liver cirrhosis.")
    link = link_provisional([page], known)["DOC-0123456789ab"]
    assert link.linked and link.candidate == "NCT01420432" and link.method == "title"


def test_page_with_a_different_title_stays_separate_with_a_candidate():
    known = {"NCT01420432": [TrialRecord("NCT01420432", brief_title="Stem cells for liver cirrhosis patients")]}
    page = TrialRecord("DOC-0123456789ab", brief_title="Stem cells for knee osteoarthritis patients")
    link = link_provisional([page], known)["DOC-0123456789ab"]
    assert not link.linked
    assert link.candidate == "NCT01420432" and 0 < link.score < 1


def test_title_normalization():
    assert normalize_title("  Ésta: MSC—Therapy (Phase I/II)  ") == "esta msc therapy phase i ii"
