-- Matching: Growing the Top cohorts and groups, facilitators, declared
-- conflicts and unavailability, and the matching runs (proposals the central
-- team inspects, edits by hand and accepts).

CREATE TABLE cohorts (
    id BIGSERIAL PRIMARY KEY,
    programme TEXT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    year TEXT NOT NULL,
    group_size BIGINT NOT NULL DEFAULT 3,
    min_km DOUBLE PRECISION,
    created_at BIGINT NOT NULL
);

CREATE TABLE cohort_schools (
    cohort_id BIGINT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    PRIMARY KEY (cohort_id, school_id)
);

-- Pairs of a cohort's schools the central team pins together or keeps apart.
CREATE TABLE cohort_pairs (
    cohort_id BIGINT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    school_a BIGINT NOT NULL REFERENCES schools (id),
    school_b BIGINT NOT NULL REFERENCES schools (id),
    kind TEXT NOT NULL,
    PRIMARY KEY (cohort_id, school_a, school_b)
);

CREATE TABLE school_groups (
    id BIGSERIAL PRIMARY KEY,
    cohort_id BIGINT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    facilitator_id BIGINT REFERENCES people (id),
    created_at BIGINT NOT NULL
);

CREATE TABLE school_group_members (
    group_id BIGINT NOT NULL REFERENCES school_groups (id) ON DELETE CASCADE,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    PRIMARY KEY (group_id, school_id)
);

-- One visit day per school of a group: the host and the date.
CREATE TABLE group_visits (
    id BIGSERIAL PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES school_groups (id) ON DELETE CASCADE,
    host_school_id BIGINT NOT NULL REFERENCES schools (id),
    visit_date TEXT NOT NULL
);
CREATE INDEX group_visits_group ON group_visits (group_id);

-- Dates a person cannot do (facilitators' availability, reviewers' weeks).
CREATE TABLE person_unavailable (
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    on_date TEXT NOT NULL,
    PRIMARY KEY (person_id, on_date)
);

-- Schools a person has declared a conflict of interest with.
CREATE TABLE person_conflicts (
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    reason TEXT,
    PRIMARY KEY (person_id, school_id)
);

CREATE TABLE match_runs (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    input_json TEXT NOT NULL,
    proposal_json TEXT NOT NULL,
    current_json TEXT NOT NULL,
    summary TEXT NOT NULL,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    accepted_by BIGINT,
    accepted_at BIGINT
);
CREATE INDEX match_runs_subject ON match_runs (kind, subject_id);

-- How much a match on a theme counts in matching (broad themes count less).
ALTER TABLE themes ADD COLUMN weight DOUBLE PRECISION NOT NULL DEFAULT 1;
