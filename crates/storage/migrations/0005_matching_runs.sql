-- Matching runs: a version for optimistic concurrency (every hand edit,
-- acceptance or discard says which version the person saw, and bumps it),
-- and the database itself refuses a status or kind the code does not know
-- (see upward_domain::matching::{RunStatus, RunKind}).

ALTER TABLE match_runs ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

CREATE INDEX match_runs_status ON match_runs (status);

-- @postgres
ALTER TABLE match_runs ADD CONSTRAINT match_runs_status_known
    CHECK (status IN ('proposed', 'accepted', 'discarded'));
ALTER TABLE match_runs ADD CONSTRAINT match_runs_kind_known
    CHECK (kind IN ('review_teams', 'groups', 'facilitators'));
ALTER TABLE match_runs ADD CONSTRAINT match_runs_version_positive CHECK (version >= 1);
-- @end

-- @sqlite
CREATE TRIGGER match_runs_known_insert BEFORE INSERT ON match_runs
WHEN NEW.status NOT IN ('proposed', 'accepted', 'discarded')
    OR NEW.kind NOT IN ('review_teams', 'groups', 'facilitators')
    OR NEW.version < 1
BEGIN
    SELECT RAISE(ABORT, 'match_runs: status must be proposed, accepted or discarded; kind review_teams, groups or facilitators; version at least 1');
END;

CREATE TRIGGER match_runs_known_update BEFORE UPDATE ON match_runs
WHEN NEW.status NOT IN ('proposed', 'accepted', 'discarded')
    OR NEW.kind NOT IN ('review_teams', 'groups', 'facilitators')
    OR NEW.version < 1
BEGIN
    SELECT RAISE(ABORT, 'match_runs: status must be proposed, accepted or discarded; kind review_teams, groups or facilitators; version at least 1');
END;
-- @end
