-- What every table and column means and where it comes from, stored in the warehouse itself: read them back with
-- SELECT table_name, column_name, comment FROM duckdb_columns(), or SELECT table_name, comment FROM duckdb_tables().
-- Each column comment is its meaning, then "Source: " the source fields it is read from. Abbreviations:
--   v2 = ClinicalTrials.gov API v2 JSON; XML = legacy ClinicalTrials.gov XML; classic = classic ClinicalTrials.gov
--   API JSON (study_fields / full_studies); CSV = ClinicalTrials.gov CSV downloads (SearchResults.csv,
--   ctg-studies.csv); ICTRP = WHO ICTRP XML (and the portal CSV, whose columns are read as the XML's tags); EUCTR =
--   EU Clinical Trials Register text download; pages = saved web pages, by label (lexicon in
--   ingest/layouts/_kit.py). "derived" = computed in the warehouse from other tables.
-- Runs after every other DDL file (099): a table or column added elsewhere needs its comment here.

-- documents ---------------------------------------------------------------------------------------------------
COMMENT ON TABLE documents IS 'Every input file, ingested or rejected (nothing is lost, nothing is silent). One row per file or archive member.';
COMMENT ON COLUMN documents.doc_id IS 'Document id: the first 16 hex digits of the SHA-256 of the file''s bytes. Source: derived (file bytes).';
COMMENT ON COLUMN documents.path IS 'Path as found under the --input folders; archive members as ''archive.zip!member''. Source: file discovery (warehouse/discover.py).';
COMMENT ON COLUMN documents.sha256 IS 'SHA-256 of the file''s bytes, hex. Source: derived (file bytes).';
COMMENT ON COLUMN documents.format IS 'Parser family that read it: ctgov_v2_json, ctgov_xml, ctgov_classic_json, ctgov_csv, ictrp_xml, ictrp_csv, euctr_text, or page; NULL when no parser recognised it. Source: format detection (ingest/dispatch.py).';
COMMENT ON COLUMN documents.layout IS 'Sub-shape of a machine format (study_fields, full_studies, single, list, partial, search_results, ctg_studies, dump, portal, registry_export, fulltext) or the page layout family (veeva, meddatax, …). Source: the parser''s layout detection.';
COMMENT ON COLUMN documents.status IS 'ingested or rejected. Source: derived (parse outcome).';
COMMENT ON COLUMN documents.error IS 'Why the document was rejected (NULL when ingested): unreadable, not a trial, duplicate bytes, … Source: parser and build checks.';
COMMENT ON COLUMN documents.size_bytes IS 'File size in bytes. Source: the file.';
COMMENT ON COLUMN documents.n_trials IS 'Number of trial records read from it (0 when rejected). Source: the parser.';
COMMENT ON COLUMN documents.warnings IS 'Non-fatal notes (encoding repaired, values dropped), one per line. Source: the parser.';

COMMENT ON TABLE document_trials IS 'Which trials each document holds: a document may hold many trials and a trial may come from many documents.';
COMMENT ON COLUMN document_trials.doc_id IS 'The document (documents.doc_id). Source: derived.';
COMMENT ON COLUMN document_trials.trial_id IS 'The merged trial the record belongs to (trials.trial_id). Source: derived (identity: same id, aliases and cross-registry ids; warehouse/identity.py).';
COMMENT ON COLUMN document_trials.source_trial_id IS 'The trial id as the document gave it (DOC-… for a page showing no id). Source: the record''s trial id (see trials.trial_id).';
COMMENT ON COLUMN document_trials.layout IS 'The document''s layout (documents.layout). Source: the parser''s layout detection.';

COMMENT ON TABLE build_info IS 'Facts about the build itself (no timestamps: the same inputs give identical tables).';
COMMENT ON COLUMN build_info.key IS 'Fact name: contract_version, schema_version, parsers, inputs_fingerprint. Source: the build (warehouse/schema.py).';
COMMENT ON COLUMN build_info.value IS 'Fact value: versions, the parser list as name@version, or a hash of the sorted input SHA-256s. Source: the build.';

COMMENT ON TABLE document_links IS 'Pages that show no registry id: the trial each was linked to, or its best candidate when not linked.';
COMMENT ON COLUMN document_links.doc_id IS 'The page (documents.doc_id). Source: derived.';
COMMENT ON COLUMN document_links.provisional_id IS 'DOC-… id made from the page''s text. Source: derived (page text).';
COMMENT ON COLUMN document_links.trial_id IS 'The trial the page belongs to; the DOC-… id itself when not linked. Source: derived (warehouse/identity.py).';
COMMENT ON COLUMN document_links.candidate_trial_id IS 'The best matching known trial, linked or not. Source: derived (title and summary matching).';
COMMENT ON COLUMN document_links.score IS 'Match strength: 1.0 for an exact normalised title match, else the Jaccard overlap of summary word trigrams (summary) or of title words (title_words), 3 decimals. Source: derived.';
COMMENT ON COLUMN document_links.method IS 'How the candidate was found: title, summary or title_words. Source: derived.';
COMMENT ON COLUMN document_links.linked IS 'True when the evidence was strong enough to merge the page into the candidate (same title, or summary overlap ≥ link_summary_threshold in data/policy/merge.yaml with no close runner-up). Source: derived.';

-- trials ------------------------------------------------------------------------------------------------------
COMMENT ON TABLE trials IS 'One row per trial, merged across its documents: each field takes the value of the best-ranked document stating it (source tier, actual over estimated, newer update; data/policy/merge.yaml). Every document''s value is in field_sources.';
COMMENT ON COLUMN trials.trial_id IS 'Registry id of the trial, the preferred one when registered in several registries (ClinicalTrials.gov first; id_preference in data/policy/merge.yaml); DOC-… for an unlinked page without id. Source: v2 identificationModule.nctId; XML id_info/nct_id; classic NCTId; CSV ''NCT Number''; ICTRP trial_id/TrialID; EUCTR EudraCT Number; pages id label, title line or URL.';
COMMENT ON COLUMN trials.registry IS 'Registry the trial_id belongs to (ClinicalTrials.gov, EudraCT, ISRCTN, ChiCTR, …). Source: the id''s pattern (ingest/ids.py); ICTRP reg_name/Source_Register when the pattern is unknown.';
COMMENT ON COLUMN trials.brief_title IS 'Short public title. Source: v2 identificationModule.briefTitle; XML brief_title; classic BriefTitle; CSV Title/''Study Title''; ICTRP public_title; EUCTR A.3.1 (else A.3.2); pages ''Brief Title''/''Public title''/''Title''.';
COMMENT ON COLUMN trials.official_title IS 'Full scientific title. Source: v2 identificationModule.officialTitle; XML official_title; classic OfficialTitle; ICTRP scientific_title; EUCTR A.3 Full title; pages ''Official Title''/''Scientific title''.';
COMMENT ON COLUMN trials.acronym IS 'Study acronym. Source: v2 identificationModule.acronym; XML acronym; classic Acronym; CSV Acronym; ICTRP acronym; EUCTR A.3.2 when short and upper case; pages ''Acronym''.';
COMMENT ON COLUMN trials.overall_status IS 'Recruitment status in API v2 spelling (RECRUITING, COMPLETED, UNKNOWN, …). Source: v2 statusModule.overallStatus; XML overall_status; classic OverallStatus; CSV Status/''Study Status''; ICTRP recruitment_status; EUCTR Trial Status (else P. End of Trial Status); pages ''Recruitment Status''/''Status''.';
COMMENT ON COLUMN trials.last_known_status IS 'Last status before it became UNKNOWN. Source: v2 statusModule.lastKnownStatus; XML last_known_status; classic LastKnownStatus.';
COMMENT ON COLUMN trials.why_stopped IS 'Why the trial stopped early (terminated, suspended or withdrawn). Source: v2 statusModule.whyStopped; XML why_stopped; classic WhyStopped; pages ''If Stopped, Why''.';
COMMENT ON COLUMN trials.phase IS 'Trial phases joined by ''/'' in order (AACT style), NA when not applicable. Source: v2 designModule.phases; XML phase; classic Phase; CSV Phases; ICTRP phase; EUCTR E.7.1–E.7.4; pages ''Phase''.';
COMMENT ON COLUMN trials.study_type IS 'INTERVENTIONAL, OBSERVATIONAL or EXPANDED_ACCESS. Source: v2 designModule.studyType; XML study_type; classic StudyType; CSV ''Study Type''; ICTRP study_type; EUCTR always INTERVENTIONAL; pages ''Study Type''.';
COMMENT ON COLUMN trials.allocation IS 'RANDOMIZED, NON_RANDOMIZED or NA. Source: v2 designInfo.allocation; XML study_design_info/allocation (else the free-text study_design); classic DesignAllocation; CSV ''Study Design(s)'' Allocation; ICTRP study_design text; EUCTR E.8.1.1 randomised; pages ''Allocation''.';
COMMENT ON COLUMN trials.intervention_model IS 'SINGLE_GROUP, PARALLEL, CROSSOVER, FACTORIAL or SEQUENTIAL. Source: v2 designInfo.interventionModel; XML study_design_info/intervention_model; classic DesignInterventionModel; CSV ''Study Design(s)'' Intervention Model; ICTRP study_design text; EUCTR E.8.1.5 parallel / E.8.1.6 cross over; pages ''Intervention Model''.';
COMMENT ON COLUMN trials.masking IS 'NONE, SINGLE, DOUBLE, TRIPLE or QUADRUPLE. Source: v2 designInfo.maskingInfo.masking; XML study_design_info/masking; classic DesignMasking; CSV ''Study Design(s)'' Masking; ICTRP study_design text (blinding); EUCTR E.8.1.2–E.8.1.4 (open, single blind, double blind); pages ''Masking''.';
COMMENT ON COLUMN trials.who_masked IS 'Who is masked, ''|''-joined (PARTICIPANT, CARE_PROVIDER, INVESTIGATOR, OUTCOMES_ASSESSOR). Source: v2 maskingInfo.whoMasked; XML masking text in parentheses; classic DesignWhoMasked; CSV Masking in parentheses; pages ''Masking'' in parentheses.';
COMMENT ON COLUMN trials.primary_purpose IS 'Primary purpose: TREATMENT, PREVENTION, DIAGNOSTIC, SUPPORTIVE_CARE, BASIC_SCIENCE, … Source: v2 designInfo.primaryPurpose; XML study_design_info/primary_purpose; classic DesignPrimaryPurpose; CSV ''Study Design(s)'' Primary Purpose; ICTRP study_design Purpose; pages ''Primary Purpose''.';
COMMENT ON COLUMN trials.enrollment IS 'Number of participants, planned or actual (see enrollment_type). Source: v2 designModule.enrollmentInfo.count; XML enrollment; classic EnrollmentCount; CSV Enrollment; ICTRP target_size; EUCTR F.4.2.2 (else F.4.1 for single-state trials); pages ''Enrollment''/''Target sample size''.';
COMMENT ON COLUMN trials.enrollment_type IS 'ACTUAL or ESTIMATED (planned), from the document whose enrollment won. Source: v2 enrollmentInfo.type; XML enrollment type attribute; classic EnrollmentType; ICTRP type_enrolment; EUCTR always ESTIMATED; pages Actual/Estimated in the label.';
COMMENT ON COLUMN trials.start_date IS 'Study start (the 1st of the month when only month and year are given). Source: v2 statusModule.startDateStruct.date; XML start_date; classic StartDate; CSV ''Start Date''; ICTRP date_enrolment; pages ''Study Start Date''.';
COMMENT ON COLUMN trials.start_date_type IS 'ACTUAL or ESTIMATED, from the document whose start_date won. Source: v2 startDateStruct.type; XML start_date type attribute; classic StartDateType; pages Actual/Estimated in the label.';
COMMENT ON COLUMN trials.primary_completion_date IS 'Date the last participant was examined for the primary outcome. Source: v2 statusModule.primaryCompletionDateStruct.date; XML primary_completion_date; classic PrimaryCompletionDate; CSV ''Primary Completion Date''; pages ''Primary Completion Date''.';
COMMENT ON COLUMN trials.primary_completion_date_type IS 'ACTUAL or ESTIMATED, from the document whose primary_completion_date won. Source: v2 primaryCompletionDateStruct.type; XML primary_completion_date type attribute; classic PrimaryCompletionDateType; pages Actual/Estimated in the label.';
COMMENT ON COLUMN trials.completion_date IS 'Study completion (end of the trial). Source: v2 statusModule.completionDateStruct.date; XML completion_date; classic CompletionDate; CSV ''Completion Date''; EUCTR P. Date of the global end of the trial; pages ''Study Completion Date''/''End date''.';
COMMENT ON COLUMN trials.completion_date_type IS 'ACTUAL or ESTIMATED, from the document whose completion_date won. Source: v2 completionDateStruct.type; XML completion_date type attribute; classic CompletionDateType; EUCTR ACTUAL for the global end date; pages Actual/Estimated in the label.';
COMMENT ON COLUMN trials.first_posted_date IS 'Date the registration was first posted. Source: v2 studyFirstPostDateStruct; XML study_first_posted (else firstreceived_date); classic StudyFirstPostDate; CSV ''First Posted''; ICTRP date_registration; EUCTR date first entered in the EudraCT database; pages ''First Posted''/''Date of registration''.';
COMMENT ON COLUMN trials.results_first_posted_date IS 'Date results were first posted. Source: v2 resultsFirstPostDateStruct; XML results_first_posted (else firstreceived_results_date); classic ResultsFirstPostDate; CSV ''Results First Posted''; pages ''Results First Posted''.';
COMMENT ON COLUMN trials.last_update_date IS 'Date the last update was posted. Source: v2 lastUpdatePostDateStruct; XML last_update_posted (else last_update_submitted, lastchanged_date); classic LastUpdatePostDate; CSV ''Last Update Posted''; ICTRP last_updated/Last_Refreshed_on; pages ''Last Update Posted''/''Last Updated''.';
COMMENT ON COLUMN trials.verified_date IS 'Date the record was last verified by the sponsor. Source: v2 statusModule.statusVerifiedDate; XML verification_date; classic StatusVerifiedDate; pages ''Last Verified''.';
COMMENT ON COLUMN trials.lead_sponsor IS 'Lead sponsor name. Source: v2 sponsorCollaboratorsModule.leadSponsor.name; XML sponsors/lead_sponsor/agency; classic LeadSponsorName; CSV Sponsor (else the first of Sponsor/Collaborators); ICTRP primary_sponsor; EUCTR B.1.1 of the first sponsor; pages ''Sponsor''/''Lead Sponsor''.';
COMMENT ON COLUMN trials.lead_sponsor_class IS 'Agency class of the lead sponsor: INDUSTRY, NIH, FED, OTHER_GOV, NETWORK, INDIV, OTHER or UNKNOWN. Source: v2 leadSponsor.class; XML lead_sponsor/agency_class; classic LeadSponsorClass; CSV ''Funder Type'' (else a single ''Funded Bys''); EUCTR B.3.1 Commercial → INDUSTRY.';
COMMENT ON COLUMN trials.responsible_party IS 'The responsible investigator''s full name, else the responsible party type (SPONSOR, PRINCIPAL_INVESTIGATOR, …). Source: v2 responsibleParty.investigatorFullName/type; XML responsible_party/investigator_full_name / responsible_party_type; classic ResponsiblePartyInvestigatorFullName/ResponsiblePartyType.';
COMMENT ON COLUMN trials.brief_summary IS 'Brief summary of the study. Source: v2 descriptionModule.briefSummary; XML brief_summary; classic BriefSummary; CSV ''Brief Summary''; pages ''Brief Summary''/''Summary''.';
COMMENT ON COLUMN trials.detailed_description IS 'Detailed description of the study. Source: v2 descriptionModule.detailedDescription; XML detailed_description; classic DetailedDescription; pages ''Detailed Description''/''Description''.';
COMMENT ON COLUMN trials.eligibility_criteria IS 'Eligibility criteria as written, inclusion then exclusion (one item per row in criteria). Source: v2 eligibilityModule.eligibilityCriteria; XML eligibility/criteria; classic EligibilityCriteria; ICTRP inclusion_criteria + exclusion_criteria; EUCTR E.3 + E.4; pages ''Eligibility Criteria''/''Criteria''.';
COMMENT ON COLUMN trials.sex IS 'Sexes eligible: ALL, FEMALE or MALE. Source: v2 eligibilityModule.sex; XML eligibility/gender; classic Gender; CSV Gender/Sex; ICTRP gender/Inclusion_sex; EUCTR F.2.1 female / F.2.2 male; pages ''Sex''/''Gender''.';
COMMENT ON COLUMN trials.min_age_years IS 'Minimum eligible age in years (months, weeks, days converted); NULL when none is stated. Source: v2 eligibilityModule.minimumAge; XML eligibility/minimum_age; classic MinimumAge; CSV Age (SearchResults.csv); ICTRP agemin (0 = none); pages ''Ages''/''Age''.';
COMMENT ON COLUMN trials.max_age_years IS 'Maximum eligible age in years (months, weeks, days converted); NULL when none is stated. Source: v2 eligibilityModule.maximumAge; XML eligibility/maximum_age; classic MaximumAge; CSV Age (SearchResults.csv); ICTRP agemax (150 = none); pages ''Ages''/''Age''.';
COMMENT ON COLUMN trials.healthy_volunteers IS 'True when healthy volunteers are accepted. Source: v2 eligibilityModule.healthyVolunteers; XML eligibility/healthy_volunteers; classic HealthyVolunteers; EUCTR F.3.1; pages ''Accepts Healthy Volunteers''.';
COMMENT ON COLUMN trials.has_results IS 'True when results are posted. Source: v2 resultsSection present (else hasResults); XML clinical_results present; classic ResultsSection / ResultsFirstPostDate; CSV ''Study Results''.';
COMMENT ON COLUMN trials.has_dmc IS 'True when a data monitoring committee oversees the trial. Source: v2 oversightModule.oversightHasDmc; XML oversight_info/has_dmc; classic OversightHasDMC; EUCTR E.8.7.';
COMMENT ON COLUMN trials.ipd_sharing IS 'Plan to share individual participant data: YES, NO or UNDECIDED. Source: v2 ipdSharingStatementModule.ipdSharing; XML patient_data/sharing_ipd; classic IPDSharing.';
COMMENT ON COLUMN trials.source_url IS 'URL of the record or saved page. Source: XML required_header/url; CSV URL/''Study URL''; ICTRP url/web_address; EUCTR Link; pages URL in the text or file name.';
COMMENT ON COLUMN trials.is_msc IS 'True when the trial tests mesenchymal stem/stromal cells or MSC-derived products (secretome, exosomes, …). Source: derived from interventions, arms, titles and descriptions (warehouse/msc_classify.py, data/vocab/msc*.yaml).';
COMMENT ON COLUMN trials.n_documents IS 'Number of distinct documents stating this trial. Source: derived (document_trials).';
COMMENT ON COLUMN trials.primary_doc_id IS 'The trial''s best-ranked document (documents.doc_id); each child section comes from the best-ranked document that has it. Source: derived (precedence in data/policy/merge.yaml).';

COMMENT ON TABLE field_sources IS 'Every document''s value for every trial-level field it states (after normalisation), and which one the merge kept.';
COMMENT ON COLUMN field_sources.trial_id IS 'The merged trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN field_sources.field IS 'The trials column the value is for. Source: derived.';
COMMENT ON COLUMN field_sources.doc_id IS 'The document stating the value (documents.doc_id). Source: derived.';
COMMENT ON COLUMN field_sources.value IS 'The value as the document states it after normalisation, as text (dates ISO, booleans true/false, numbers compact). Source: the document''s field (see the trials column).';
COMMENT ON COLUMN field_sources.is_chosen IS 'True for the document and value the merged trial kept. Source: derived (merge).';
COMMENT ON COLUMN field_sources.reason IS 'Why the chosen document won (source tier, actual over estimated, newer last update, tie by path, all agree, only one states it); NULL for the others. Source: derived (merge).';

-- child tables ---------------------------------------------------------------------------------------------------
COMMENT ON TABLE conditions IS 'Conditions or diseases studied, in the document''s order.';
COMMENT ON COLUMN conditions.trial_id IS 'The trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN conditions.ordinal IS 'Position in the document''s list, from 1. Source: derived.';
COMMENT ON COLUMN conditions.condition IS 'Condition as stated. Source: v2 conditionsModule.conditions; XML condition; classic Condition; CSV Conditions (''|''-split); ICTRP hc_freetext/Condition_FreeText/Condition; EUCTR E.1.1 medical condition; pages ''Conditions''/''Condition''.';
COMMENT ON COLUMN conditions.doc_id IS 'Document the section was read from: the best-ranked document of the trial that has conditions. Source: derived.';

COMMENT ON TABLE keywords IS 'Keywords of a trial, in the document''s order.';
COMMENT ON COLUMN keywords.trial_id IS 'The trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN keywords.ordinal IS 'Position in the document''s list, from 1. Source: derived.';
COMMENT ON COLUMN keywords.keyword IS 'Keyword as stated. Source: v2 conditionsModule.keywords; XML keyword; classic Keyword; ICTRP hc_keyword/i_keyword (classification codes dropped); pages ''Keywords''.';
COMMENT ON COLUMN keywords.doc_id IS 'Document the section was read from: the best-ranked document of the trial that has keywords. Source: derived.';

COMMENT ON TABLE arms IS 'Arms (groups) of a trial, in the document''s order.';
COMMENT ON COLUMN arms.trial_id IS 'The trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN arms.ordinal IS 'Position in the document''s list, from 1. Source: derived.';
COMMENT ON COLUMN arms.arm_label IS 'Arm label (unique within the trial). Source: v2 armsInterventionsModule.armGroups.label; XML arm_group/arm_group_label; classic ArmGroupLabel; pages arm lines.';
COMMENT ON COLUMN arms.arm_type IS 'EXPERIMENTAL, ACTIVE_COMPARATOR, PLACEBO_COMPARATOR, SHAM_COMPARATOR, NO_INTERVENTION or OTHER. Source: v2 armGroups.type; XML arm_group_type; classic ArmGroupType; pages ''Experimental:''-style prefixes.';
COMMENT ON COLUMN arms.description IS 'Arm description. Source: v2 armGroups.description; XML arm_group/description; classic ArmGroupDescription; pages arm text.';
COMMENT ON COLUMN arms.doc_id IS 'Document the section was read from: the best-ranked document of the trial that has arms. Source: derived.';

COMMENT ON TABLE interventions IS 'Interventions of a trial (drugs, biologicals, procedures …), in the document''s order.';
COMMENT ON COLUMN interventions.trial_id IS 'The trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN interventions.ordinal IS 'Position in the document''s list, from 1. Source: derived.';
COMMENT ON COLUMN interventions.intervention_name IS 'Intervention name. Source: v2 armsInterventionsModule.interventions.name; XML intervention/intervention_name; classic InterventionName; CSV Interventions (''Type: name'', ''|''-split); ICTRP i_freetext/Intervention; EUCTR D.3.1 product name (else D.3.8 INN, D.3.2 code); pages intervention lines.';
COMMENT ON COLUMN interventions.intervention_type IS 'BIOLOGICAL, DRUG, DEVICE, PROCEDURE, BEHAVIORAL, GENETIC, DIETARY_SUPPLEMENT, COMBINATION_PRODUCT, DIAGNOSTIC_TEST, RADIATION or OTHER. Source: v2 interventions.type; XML intervention_type; classic InterventionType; CSV and ICTRP ''Type:'' prefix; EUCTR BIOLOGICAL when D.3.11.3 (ATIMP) or D.3.11.2 says Yes, else DRUG; pages ''Type:'' prefix.';
COMMENT ON COLUMN interventions.description IS 'Intervention description. Source: v2 interventions.description; XML intervention/description; classic InterventionDescription; ICTRP the lines under the intervention; EUCTR D.3.4 pharmaceutical form, D.3.7 routes, D.1.2 role.';
COMMENT ON COLUMN interventions.other_names IS 'Other names of the intervention, ''|''-joined. Source: v2 interventions.otherNames; XML other_name; classic InterventionOtherName (study_fields: only when the trial has one intervention); ICTRP ''Other Name:'' lines; EUCTR INN, code and other names.';
COMMENT ON COLUMN interventions.doc_id IS 'Document the section was read from: the best-ranked document of the trial that has interventions. Source: derived.';

COMMENT ON TABLE arm_interventions IS 'Which intervention each arm gives (links stated by the arms or by the interventions; never guessed).';
COMMENT ON COLUMN arm_interventions.trial_id IS 'The trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN arm_interventions.arm_label IS 'The arm (arms.arm_label). Source: v2 interventions.armGroupLabels; XML intervention/arm_group_label; classic InterventionArmGroupLabel with ArmGroupInterventionName (rebuilt from the flattened arrays, ingest/formats/ctgov_classic_json.py).';
COMMENT ON COLUMN arm_interventions.intervention_name IS 'The intervention (interventions.intervention_name). Source: v2 armGroups.interventionNames (''Type: '' prefix removed); XML intervention/intervention_name; classic ArmGroupInterventionName with InterventionArmGroupLabel.';
COMMENT ON COLUMN arm_interventions.doc_id IS 'Document the links were read from (the one arms, else interventions, came from). Source: derived.';

COMMENT ON TABLE outcomes IS 'Outcome measures of a trial: primary, secondary and other.';
COMMENT ON COLUMN outcomes.trial_id IS 'The trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN outcomes.outcome_type IS 'primary, secondary or other. Source: the list the outcome is in (v2 primaryOutcomes/secondaryOutcomes/otherOutcomes; XML primary_outcome/secondary_outcome/other_outcome; classic PrimaryOutcome…/SecondaryOutcome…/OtherOutcome…; ICTRP primary/secondary outcome; EUCTR E.5.1/E.5.2).';
COMMENT ON COLUMN outcomes.ordinal IS 'Position within its outcome_type, from 1. Source: derived.';
COMMENT ON COLUMN outcomes.measure IS 'What is measured. Source: v2 outcomesModule.*Outcomes.measure; XML */measure; classic PrimaryOutcomeMeasure etc.; CSV ctg-studies.csv ''Primary/Secondary/Other Outcome Measures'' (whole entries); ICTRP prim_outcome/sec_outcome (before ''Timepoint:''); EUCTR E.5.1/E.5.2.';
COMMENT ON COLUMN outcomes.time_frame IS 'When it is measured. Source: v2 *Outcomes.timeFrame; XML */time_frame; classic PrimaryOutcomeTimeFrame etc.; ICTRP ''Timepoint:''; EUCTR E.5.1.1/E.5.2.1.';
COMMENT ON COLUMN outcomes.description IS 'Outcome description. Source: v2 *Outcomes.description; XML */description; classic PrimaryOutcomeDescription etc.; ICTRP ''Method of measurement:''.';
COMMENT ON COLUMN outcomes.doc_id IS 'Document the section was read from: the best-ranked document of the trial that has outcomes. Source: derived.';

COMMENT ON TABLE criteria IS 'Eligibility criteria, one row per item, inclusion and exclusion numbered separately.';
COMMENT ON COLUMN criteria.trial_id IS 'The trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN criteria.criterion_type IS 'inclusion or exclusion. Source: the section header in the criteria text (ICTRP, EUCTR: the field the text is in).';
COMMENT ON COLUMN criteria.ordinal IS 'Position within its criterion_type, from 1. Source: derived.';
COMMENT ON COLUMN criteria.criterion_text IS 'One criterion item, list markers removed; sub-items on new lines. Source: trials.eligibility_criteria split into items (ingest/criteria.py; legacy XML text blocks by ingest/formats/ctgov_xml.py; ICTRP inclusion_criteria/exclusion_criteria; EUCTR E.3/E.4).';
COMMENT ON COLUMN criteria.doc_id IS 'Document the section was read from: the best-ranked document of the trial that has criteria. Source: derived.';

COMMENT ON TABLE sites IS 'Sites (locations) of a trial, in the document''s order.';
COMMENT ON COLUMN sites.trial_id IS 'The trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN sites.ordinal IS 'Position in the document''s list, from 1. Source: derived.';
COMMENT ON COLUMN sites.facility IS 'Facility name. Source: v2 contactsLocationsModule.locations.facility; XML location/facility/name; classic LocationFacility; CSV Locations (United States addresses only).';
COMMENT ON COLUMN sites.city IS 'City. Source: v2 locations.city; XML facility/address/city; classic LocationCity; CSV Locations (United States addresses only).';
COMMENT ON COLUMN sites.state IS 'State or province. Source: v2 locations.state; XML facility/address/state; classic LocationState; CSV Locations (recognised US states).';
COMMENT ON COLUMN sites.zip IS 'Postal code. Source: v2 locations.zip; XML facility/address/zip; classic LocationZip; CSV Locations.';
COMMENT ON COLUMN sites.country IS 'Country as stated. Source: v2 locations.country; XML facility/address/country; classic LocationCountry; CSV Locations (last part); EUCTR A.1 national competent authority.';
COMMENT ON COLUMN sites.status IS 'Site recruitment status in API v2 spelling. Source: v2 locations.status; XML location/status; classic LocationStatus.';
COMMENT ON COLUMN sites.doc_id IS 'Document the section was read from: the best-ranked document of the trial that has sites. Source: derived.';

COMMENT ON TABLE countries IS 'Distinct countries where a trial has sites, in the document''s order.';
COMMENT ON COLUMN countries.trial_id IS 'The trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN countries.country IS 'Country as stated. Source: v2 locations.country (distinct); XML location_countries/country (else site countries); classic LocationCountry; CSV Locations; ICTRP country2/Countries; EUCTR A.1 national competent authority and E.8.6.3.';
COMMENT ON COLUMN countries.doc_id IS 'Document the section was read from: the best-ranked document of the trial that has countries. Source: derived.';

COMMENT ON TABLE sponsors IS 'Lead sponsor and collaborators of a trial.';
COMMENT ON COLUMN sponsors.trial_id IS 'The trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN sponsors.name IS 'Organisation name. Source: v2 leadSponsor.name / collaborators.name; XML sponsors/lead_sponsor|collaborator/agency; classic LeadSponsorName/CollaboratorName; CSV Sponsor + Collaborators (or Sponsor/Collaborators); ICTRP primary_sponsor / sponsor_name; EUCTR B.1.1 of each sponsor.';
COMMENT ON COLUMN sponsors.lead_or_collaborator IS 'lead or collaborator. Source: the field the name is in (EUCTR: the first sponsor is the lead).';
COMMENT ON COLUMN sponsors.agency_class IS 'Agency class: INDUSTRY, NIH, FED, OTHER_GOV, NETWORK, INDIV, OTHER or UNKNOWN. Source: v2 *.class; XML */agency_class; classic LeadSponsorClass/CollaboratorClass; CSV ''Funder Type''; EUCTR B.3.1 Commercial → INDUSTRY.';
COMMENT ON COLUMN sponsors.doc_id IS 'Document the section was read from: the best-ranked document of the trial that has sponsors. Source: derived.';

COMMENT ON TABLE identifiers IS 'Other ids of a trial (sponsor protocol numbers, other registries, grants), gathered from all its documents.';
COMMENT ON COLUMN identifiers.trial_id IS 'The trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN identifiers.id_value IS 'The id as stated. Source: v2 orgStudyIdInfo.id, secondaryIdInfos.id, nctIdAliases; XML id_info/org_study_id|secondary_id|nct_alias; classic OrgStudyId, SecondaryId, NCTIdAlias; CSV ''Other IDs''; ICTRP secondary_id, SecondaryID, utrn; EUCTR A.4.1, A.5.x and the member-state record.';
COMMENT ON COLUMN identifiers.id_type IS 'Kind of id: org_study_id, secondary_id, nct_alias, other_id, eudract_number, registry, nih, fda, other_grant, other, utrn, euctr_member_state, … Source: v2 secondaryIdInfos.type (lower case); classic SecondaryIdType mapped to v2 names; otherwise the field the id is in.';
COMMENT ON COLUMN identifiers.domain IS 'Issuing organisation or registry of the id. Source: v2 secondaryIdInfos.domain; classic SecondaryIdDomain; ICTRP issuing_authority; else the registry recognised from the id''s pattern.';
COMMENT ON COLUMN identifiers.doc_id IS 'The first-ranked document stating the id (identifiers are the union over all documents). Source: derived.';

COMMENT ON TABLE officials IS 'Overall officials of a trial (principal investigators, study directors and chairs).';
COMMENT ON COLUMN officials.trial_id IS 'The trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN officials.name IS 'Official''s name (redaction placeholders read as NULL). Source: v2 contactsLocationsModule.overallOfficials.name; XML overall_official/last_name; classic OverallOfficialName.';
COMMENT ON COLUMN officials.role IS 'PRINCIPAL_INVESTIGATOR, STUDY_DIRECTOR, STUDY_CHAIR, … Source: v2 overallOfficials.role; XML overall_official/role; classic OverallOfficialRole.';
COMMENT ON COLUMN officials.affiliation IS 'Official''s institution. Source: v2 overallOfficials.affiliation; XML overall_official/affiliation; classic OverallOfficialAffiliation.';
COMMENT ON COLUMN officials.doc_id IS 'Document the section was read from: the best-ranked document of the trial that has officials. Source: derived.';

COMMENT ON TABLE trial_references IS 'Publications cited by a trial record.';
COMMENT ON COLUMN trial_references.trial_id IS 'The trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN trial_references.pmid IS 'PubMed id. Source: v2 referencesModule.references.pmid; XML reference/PMID; classic ReferencePMID.';
COMMENT ON COLUMN trial_references.reference_type IS 'BACKGROUND, RESULT or DERIVED (NULL when not stated). Source: v2 references.type; XML results_reference → RESULT; classic ReferenceType.';
COMMENT ON COLUMN trial_references.citation IS 'Citation text. Source: v2 references.citation; XML reference/citation; classic ReferenceCitation.';
COMMENT ON COLUMN trial_references.doc_id IS 'Document the section was read from: the best-ranked document of the trial that has references. Source: derived.';

COMMENT ON TABLE mesh_terms IS 'MeSH terms the registry assigned to a trial''s conditions and interventions.';
COMMENT ON COLUMN mesh_terms.trial_id IS 'The trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN mesh_terms.kind IS 'condition or intervention. Source: the browse module the term is in.';
COMMENT ON COLUMN mesh_terms.term IS 'MeSH term. Source: v2 derivedSection.conditionBrowseModule/interventionBrowseModule.meshes.term; XML condition_browse/intervention_browse mesh_term; classic ConditionMeshTerm/InterventionMeshTerm.';
COMMENT ON COLUMN mesh_terms.mesh_id IS 'MeSH descriptor id (D…); NULL from legacy XML. Source: v2 meshes.id; classic ConditionMeshId/InterventionMeshId.';
COMMENT ON COLUMN mesh_terms.doc_id IS 'Document the section was read from: the best-ranked document of the trial that has MeSH terms. Source: derived.';

COMMENT ON TABLE contacts IS 'Named contacts of a trial (central, overall and site contacts): personal data, left out of exports unless --include-contacts.';
COMMENT ON COLUMN contacts.trial_id IS 'The trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN contacts.role IS 'Contact role: CONTACT, PRINCIPAL_INVESTIGATOR, SUB_INVESTIGATOR, … Source: v2 centralContacts/locations.contacts role; classic CentralContactRole/LocationContactRole; CONTACT for XML and EUCTR; ICTRP contact type.';
COMMENT ON COLUMN contacts.name IS 'Person''s name. Source: v2 centralContacts/locations.contacts name; XML overall_contact(_backup)/location contact last_name; classic CentralContactName/LocationContactName; ICTRP contact firstname middlename lastname; EUCTR B.5.2.';
COMMENT ON COLUMN contacts.phone IS 'Phone number, with '' ext. '' and the extension when given. Source: v2 phone + phoneExt; XML phone + phone_ext; classic *ContactPhone + *ContactPhoneExt; ICTRP telephone; EUCTR B.5.4.';
COMMENT ON COLUMN contacts.email IS 'E-mail address. Source: v2 email; XML email; classic CentralContactEMail/LocationContactEMail; ICTRP email; EUCTR B.5.6.';
COMMENT ON COLUMN contacts.doc_id IS 'Document the section was read from: the best-ranked document of the trial that has contacts. Source: derived.';

-- MSC profile -------------------------------------------------------------------------------------------------
COMMENT ON TABLE msc_profile IS 'The MSC profile: one row per MSC trial (trials.is_msc), read from its interventions, arms, titles and descriptions with the vocabularies in data/vocab/msc*.yaml (warehouse/msc_classify.py).';
COMMENT ON COLUMN msc_profile.trial_id IS 'The MSC trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN msc_profile.cell_source IS 'MSC tissue source(s), ''|''-joined when several: umbilical_cord, wharton_jelly, bone_marrow, adipose, placenta, amnion, dental_pulp, menstrual_blood, cord_blood, other; unspecified when no tissue is named. Source: derived (interventions, arms, titles, summary, description).';
COMMENT ON COLUMN msc_profile.donor IS 'autologous, allogeneic or both; NULL when not stated. Source: derived (interventions, arms, titles, summary, description).';
COMMENT ON COLUMN msc_profile.product_type IS 'What is given, ''|''-joined when several: cells, secretome, conditioned_medium, exosomes, extracellular_vesicles. Source: derived (interventions, arms, titles, summary, description).';
COMMENT ON COLUMN msc_profile.route IS 'Route(s) of administration, ''|''-joined when several (intravenous, intra_articular, intrathecal, …, other); NULL when not stated. Source: derived (interventions, arms, titles, summary, description).';
COMMENT ON COLUMN msc_profile.dose_per_kg IS 'Lowest stated dose in cells per kg body weight. Source: derived (dose text parsed by warehouse/msc_dose.py).';
COMMENT ON COLUMN msc_profile.dose_per_kg_max IS 'Highest stated dose in cells per kg when a range or several doses are given. Source: derived (warehouse/msc_dose.py).';
COMMENT ON COLUMN msc_profile.dose_total_cells IS 'Lowest stated total number of cells per administration. Source: derived (warehouse/msc_dose.py).';
COMMENT ON COLUMN msc_profile.dose_total_cells_max IS 'Highest stated total number of cells when a range or several doses are given. Source: derived (warehouse/msc_dose.py).';
COMMENT ON COLUMN msc_profile.dose_text IS 'The doses as written, ''; ''-joined (per arm when arms differ). Source: intervention and arm texts.';
COMMENT ON COLUMN msc_profile.n_administrations IS 'Number of times the product is given. Source: derived from the schedule text (warehouse/msc_dose.py).';
COMMENT ON COLUMN msc_profile.evidence IS 'One line per attribute: ''attribute ← where: sentence'' the value was read from. Source: derived.';

COMMENT ON TABLE msc_doses IS 'MSC doses per arm, for MSC trials whose MSC arms differ in dose or schedule (one row per MSC arm).';
COMMENT ON COLUMN msc_doses.trial_id IS 'The MSC trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN msc_doses.arm_label IS 'The arm (arms.arm_label). Source: derived.';
COMMENT ON COLUMN msc_doses.dose_per_kg IS 'The arm''s dose in cells per kg (lower bound of a range). Source: derived (warehouse/msc_dose.py).';
COMMENT ON COLUMN msc_doses.dose_per_kg_max IS 'Upper bound of the arm''s per-kg dose range. Source: derived (warehouse/msc_dose.py).';
COMMENT ON COLUMN msc_doses.dose_total_cells IS 'The arm''s total cells per administration (lower bound of a range). Source: derived (warehouse/msc_dose.py).';
COMMENT ON COLUMN msc_doses.dose_total_cells_max IS 'Upper bound of the arm''s total-cell dose range. Source: derived (warehouse/msc_dose.py).';
COMMENT ON COLUMN msc_doses.dose_text IS 'The arm''s doses as written, ''; ''-joined. Source: arm and intervention texts.';
COMMENT ON COLUMN msc_doses.n_administrations IS 'Number of times the arm receives the product. Source: derived (warehouse/msc_dose.py).';
COMMENT ON COLUMN msc_doses.route IS 'The arm''s route(s) of administration, ''|''-joined. Source: derived (arm and intervention texts).';
COMMENT ON COLUMN msc_doses.evidence IS 'The sentences the arm''s values were read from, one per line. Source: derived.';

-- eligibility criteria as data --------------------------------------------------------------------------------
COMMENT ON TABLE criteria_facts IS 'Facts read from eligibility criteria items (warehouse/criteria_facts.py, extractors in warehouse/criteria_patterns.py), stored as written: an exclusion item''s bound is not inverted.';
COMMENT ON COLUMN criteria_facts.trial_id IS 'The trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN criteria_facts.criterion_type IS 'inclusion or exclusion: the side the item is on. Source: criteria.criterion_type.';
COMMENT ON COLUMN criteria_facts.ordinal IS 'The item (criteria.ordinal). Source: criteria.ordinal.';
COMMENT ON COLUMN criteria_facts.fact_no IS '1, 2, … within the item, in text order. Source: derived.';
COMMENT ON COLUMN criteria_facts.fact IS 'What the fact bounds: age, bmi, ecog, karnofsky, kellgren_lawrence, pasi, sledai, edss, nyha, ejection_fraction, creatinine, egfr, hba1c, alt_ast, platelets, hemoglobin, disease_duration, washout. Source: derived (criteria.criterion_text).';
COMMENT ON COLUMN criteria_facts.low IS 'Lower bound as written (ages in years); NULL when open. Source: derived (criteria.criterion_text).';
COMMENT ON COLUMN criteria_facts.high IS 'Upper bound as written (ages in years); NULL when open. Source: derived (criteria.criterion_text).';
COMMENT ON COLUMN criteria_facts.low_inclusive IS 'True when the lower bound itself qualifies (≥), false for >; NULL without a lower bound. Source: derived.';
COMMENT ON COLUMN criteria_facts.high_inclusive IS 'True when the upper bound itself qualifies (≤), false for <; NULL without an upper bound. Source: derived.';
COMMENT ON COLUMN criteria_facts.unit IS 'Unit as written (''years'' for age, ''%'', ''mL/min'', ''times ULN'', …). Source: derived (criteria.criterion_text).';
COMMENT ON COLUMN criteria_facts.evidence IS 'The exact substring of the criterion text the fact was read from. Source: criteria.criterion_text.';
COMMENT ON COLUMN criteria_facts.doc_id IS 'Document the criterion came from (criteria.doc_id). Source: derived.';

COMMENT ON TABLE criteria_themes IS 'Themes of each criterion item (vocabulary: data/vocab/criteria_themes.yaml).';
COMMENT ON COLUMN criteria_themes.trial_id IS 'The trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN criteria_themes.criterion_type IS 'inclusion or exclusion. Source: criteria.criterion_type.';
COMMENT ON COLUMN criteria_themes.ordinal IS 'The item (criteria.ordinal). Source: criteria.ordinal.';
COMMENT ON COLUMN criteria_themes.theme IS 'Theme name from the vocabulary (malignancy, pregnancy_lactation, active_infection, hiv_hepatitis, …). Source: derived (criteria.criterion_text matched with data/vocab/criteria_themes.yaml).';
COMMENT ON COLUMN criteria_themes.matched IS 'The matched terms, lower case, joined by ''|''. Source: criteria.criterion_text.';
COMMENT ON COLUMN criteria_themes.doc_id IS 'Document the criterion came from (criteria.doc_id). Source: derived.';

COMMENT ON TABLE trial_age_window IS 'The effective age window of every trial: the structured ages when the trial has any, else the ages read from its criteria (inclusion bounds, plus exclusion bounds inverted: "older than 75" excluded → max 75).';
COMMENT ON COLUMN trial_age_window.trial_id IS 'The trial (trials.trial_id). Source: derived.';
COMMENT ON COLUMN trial_age_window.min_age_years IS 'Effective minimum age in years. Source: trials.min_age_years, else criteria_facts age bounds.';
COMMENT ON COLUMN trial_age_window.max_age_years IS 'Effective maximum age in years. Source: trials.max_age_years, else criteria_facts age bounds.';
COMMENT ON COLUMN trial_age_window.min_inclusive IS 'True when the minimum age itself qualifies. Source: structured ages (inclusive), else criteria_facts.';
COMMENT ON COLUMN trial_age_window.max_inclusive IS 'True when the maximum age itself qualifies. Source: structured ages (inclusive), else criteria_facts.';
COMMENT ON COLUMN trial_age_window.age_source IS 'Where the window comes from: structured, criteria or none. Source: derived.';
COMMENT ON COLUMN trial_age_window.evidence IS 'The criteria evidence the window was read from (age_source criteria), ''inclusion 1: age >18''-style. Source: criteria_facts.evidence.';
COMMENT ON COLUMN trial_age_window.criteria_min_age_years IS 'The minimum age the criteria state, whatever age_source is. Source: criteria_facts.';
COMMENT ON COLUMN trial_age_window.criteria_max_age_years IS 'The maximum age the criteria state, whatever age_source is. Source: criteria_facts.';
COMMENT ON COLUMN trial_age_window.criteria_agrees IS 'True when the criteria ages equal the structured ones; NULL when there is nothing to compare. Source: derived.';

-- core views --------------------------------------------------------------------------------------------------
COMMENT ON VIEW conflicts IS 'Every trial field on which documents disagree: the distinct values, their documents, the winner and why.';
COMMENT ON COLUMN conflicts.trial_id IS 'The trial (trials.trial_id). Source: field_sources.trial_id.';
COMMENT ON COLUMN conflicts.field IS 'The trials column the documents disagree on. Source: field_sources.field.';
COMMENT ON COLUMN conflicts.n_values IS 'Number of distinct values (compared lower-cased, whitespace collapsed). Source: field_sources.value.';
COMMENT ON COLUMN conflicts."values" IS 'The distinct values as stated, sorted (a list). Source: field_sources.value.';
COMMENT ON COLUMN conflicts.documents IS 'Every statement as ''doc_id=value'', sorted (a list). Source: field_sources.doc_id, value.';
COMMENT ON COLUMN conflicts.chosen_value IS 'The value the merge kept. Source: field_sources.value where is_chosen.';
COMMENT ON COLUMN conflicts.chosen_doc_id IS 'The document whose value was kept. Source: field_sources.doc_id where is_chosen.';
COMMENT ON COLUMN conflicts.chosen_source IS 'Layout (else format) of the kept document. Source: documents.layout, format.';
COMMENT ON COLUMN conflicts.reason IS 'Why the kept document won. Source: field_sources.reason.';

COMMENT ON VIEW unlinked_documents IS 'Pages without a registry id that could not be linked to a known trial, with their best candidate.';
COMMENT ON COLUMN unlinked_documents.doc_id IS 'The page (documents.doc_id). Source: document_links.doc_id.';
COMMENT ON COLUMN unlinked_documents.path IS 'The page''s path. Source: documents.path.';
COMMENT ON COLUMN unlinked_documents.layout IS 'The page layout family. Source: documents.layout.';
COMMENT ON COLUMN unlinked_documents.provisional_id IS 'DOC-… id the page got. Source: document_links.provisional_id.';
COMMENT ON COLUMN unlinked_documents.candidate_trial_id IS 'Best matching known trial (not linked). Source: document_links.candidate_trial_id.';
COMMENT ON COLUMN unlinked_documents.score IS 'Match strength of the candidate. Source: document_links.score.';
COMMENT ON COLUMN unlinked_documents.method IS 'How the candidate was found (title, summary, title_words). Source: document_links.method.';

COMMENT ON VIEW rejected_documents IS 'Documents that could not be read, with the reason (every input file is in documents).';
COMMENT ON COLUMN rejected_documents.doc_id IS 'The document. Source: documents.doc_id.';
COMMENT ON COLUMN rejected_documents.path IS 'Path as found under --input. Source: documents.path.';
COMMENT ON COLUMN rejected_documents.sha256 IS 'SHA-256 of the file''s bytes. Source: documents.sha256.';
COMMENT ON COLUMN rejected_documents.size_bytes IS 'File size in bytes. Source: documents.size_bytes.';
COMMENT ON COLUMN rejected_documents.error IS 'Why it was rejected. Source: documents.error.';
