-- The platform: schools, Hubs, trusts, people, accounts, audit, outbox, jobs.
-- Written once for SQLite and PostgreSQL: BIGINT, TEXT and DOUBLE PRECISION
-- only; booleans are 0/1 BIGINTs; times are Unix seconds (UTC); dates are
-- ISO 'YYYY-MM-DD' text. "BIGSERIAL PRIMARY KEY" is rewritten for SQLite.

CREATE TABLE hubs (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    region TEXT,
    description TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE trusts (
    id BIGSERIAL PRIMARY KEY,
    code TEXT UNIQUE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX trusts_name ON trusts (name);

CREATE TABLE schools (
    id BIGSERIAL PRIMARY KEY,
    urn BIGINT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    la_name TEXT,
    type_name TEXT,
    type_group TEXT NOT NULL,
    status TEXT NOT NULL,
    phase TEXT NOT NULL,
    low_age BIGINT,
    high_age BIGINT,
    gender TEXT NOT NULL,
    admissions TEXT NOT NULL,
    religious_character TEXT,
    street TEXT,
    locality TEXT,
    town TEXT,
    county TEXT,
    postcode TEXT,
    region TEXT,
    website TEXT,
    telephone TEXT,
    pupils BIGINT,
    capacity BIGINT,
    fsm_pct DOUBLE PRECISION,
    trust_id BIGINT REFERENCES trusts (id),
    easting BIGINT,
    northing BIGINT,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    ofsted_grade TEXT,
    ofsted_date TEXT,
    open_date TEXT,
    close_date TEXT,
    sixth_form BIGINT NOT NULL DEFAULT 0,
    hub_id BIGINT REFERENCES hubs (id),
    membership TEXT NOT NULL DEFAULT 'none',
    member_since TEXT,
    member_until TEXT,
    teaching_school BIGINT NOT NULL DEFAULT 0,
    search_text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX schools_name ON schools (name);
CREATE INDEX schools_hub ON schools (hub_id);
CREATE INDEX schools_trust ON schools (trust_id);
CREATE INDEX schools_membership_name ON schools (membership, name);
CREATE INDEX schools_phase ON schools (phase);
CREATE INDEX schools_postcode ON schools (postcode);

-- Performance data per school and year: one row per measure and pupil group,
-- with the national figure of the same year beside it.
CREATE TABLE school_performance (
    id BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id) ON DELETE CASCADE,
    year TEXT NOT NULL,
    measure TEXT NOT NULL,
    pupil_group TEXT NOT NULL,
    value DOUBLE PRECISION,
    national DOUBLE PRECISION,
    UNIQUE (school_id, year, measure, pupil_group)
);

-- The shared, editable theme taxonomy (Areas of Excellence, challenges,
-- support requests, specialisms).
CREATE TABLE themes (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    keywords TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

-- Areas of Excellence (kind 'excellence', accredited through a QA Review)
-- and systemic challenges (kind 'challenge') of a school.
CREATE TABLE school_themes (
    id BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    theme_id BIGINT REFERENCES themes (id),
    description TEXT NOT NULL,
    accredited_year BIGINT,
    evidence TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX school_themes_school ON school_themes (school_id);
CREATE INDEX school_themes_theme ON school_themes (theme_id, kind);

CREATE TABLE people (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    job_title TEXT,
    school_id BIGINT REFERENCES schools (id),
    trust_id BIGINT REFERENCES trusts (id),
    phone TEXT,
    password_hash TEXT,
    status TEXT NOT NULL,
    calendar_token TEXT UNIQUE,
    last_sign_in_at BIGINT,
    search_text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX people_school ON people (school_id);
CREATE INDEX people_trust ON people (trust_id);
CREATE INDEX people_name ON people (full_name);

-- A role held in a scope. scope_id is 0 for the whole partnership.
CREATE TABLE role_grants (
    id BIGSERIAL PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    scope_kind TEXT NOT NULL,
    scope_id BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (person_id, role, scope_kind, scope_id)
);
CREATE INDEX role_grants_scope ON role_grants (scope_kind, scope_id, role);

-- Pools a person belongs to: trained reviewers, Lead Reviewers, facilitators.
CREATE TABLE pool_memberships (
    id BIGSERIAL PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    pool TEXT NOT NULL,
    status TEXT NOT NULL,
    since TEXT,
    min_per_year BIGINT,
    max_per_year BIGINT,
    fee_pence BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (person_id, pool)
);
CREATE INDEX pool_memberships_pool ON pool_memberships (pool, status);

CREATE TABLE person_specialisms (
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    specialism TEXT NOT NULL,
    PRIMARY KEY (person_id, specialism)
);

CREATE TABLE person_regions (
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    region TEXT NOT NULL,
    PRIMARY KEY (person_id, region)
);

-- Confidential: the central team and the person only.
CREATE TABLE safeguarding (
    person_id BIGINT PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    dbs_checked_on TEXT,
    dbs_certificate TEXT,
    trained_on TEXT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id BIGSERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    user_agent TEXT
);
CREATE INDEX sessions_person ON sessions (person_id);

CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    hint TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);

-- Password-reset and invitation links (only a hash of the token is kept).
CREATE TABLE one_time_tokens (
    id BIGSERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE sign_in_attempts (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL,
    ip TEXT NOT NULL,
    at BIGINT NOT NULL,
    succeeded BIGINT NOT NULL
);
CREATE INDEX sign_in_attempts_email ON sign_in_attempts (email, at);
CREATE INDEX sign_in_attempts_ip ON sign_in_attempts (ip, at);

CREATE TABLE notification_settings (
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    email BIGINT NOT NULL,
    PRIMARY KEY (person_id, topic)
);

-- Who did what, when, with the state before and after (JSON).
CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    entity_id TEXT,
    summary TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_entity ON audit_log (entity_kind, entity_id);
CREATE INDEX audit_log_actor ON audit_log (actor_id);

-- Every e-mail, whether or not SMTP is configured.
CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    created_at BIGINT NOT NULL,
    to_address TEXT NOT NULL,
    to_person_id BIGINT,
    topic TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    status TEXT NOT NULL,
    sent_at BIGINT,
    error TEXT
);
CREATE INDEX outbox_created ON outbox (created_at);

-- Background work kept in the database, claimed once across instances.
CREATE TABLE jobs (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL DEFAULT 5,
    locked_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX jobs_due ON jobs (status, run_at);

CREATE TABLE import_runs (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    started_by BIGINT,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    status TEXT NOT NULL,
    rows_done BIGINT NOT NULL DEFAULT 0,
    bytes_done BIGINT NOT NULL DEFAULT 0,
    bytes_total BIGINT,
    message TEXT,
    report_json TEXT
);

-- Review cycles and reviews: enough for calendars and team matching; the QA
-- Review workflow builds on these.
CREATE TABLE cycles (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE reviews (
    id BIGSERIAL PRIMARY KEY,
    cycle_id BIGINT NOT NULL REFERENCES cycles (id),
    kind TEXT NOT NULL,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    status TEXT NOT NULL,
    peer_places BIGINT NOT NULL DEFAULT 3,
    focus TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX reviews_school ON reviews (school_id);
CREATE INDEX reviews_cycle ON reviews (cycle_id, starts_on);

CREATE TABLE review_team (
    id BIGSERIAL PRIMARY KEY,
    review_id BIGINT NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people (id),
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (review_id, person_id)
);
CREATE INDEX review_team_person ON review_team (person_id);

CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    location TEXT,
    description TEXT,
    capacity BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE event_registrations (
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (event_id, person_id)
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
