-- Workflow states are enums in the domain (upward_domain::reviews,
-- upward_domain::workflow); the database refuses any other value. A test
-- (storage, every_state_is_accepted_and_nothing_else) checks these lists
-- against the enums.

-- @postgres
ALTER TABLE reviews ADD CONSTRAINT reviews_status_check
    CHECK (status IN ('requested', 'booked', 'planned', 'in_progress', 'reporting', 'quality_assurance', 'released', 'cancelled'));
ALTER TABLE reviews ADD CONSTRAINT reviews_kind_check
    CHECK (kind IN ('qa', 'spotlight', 'trust_peer_review'));
ALTER TABLE import_runs ADD CONSTRAINT import_runs_status_check
    CHECK (status IN ('running', 'succeeded', 'failed'));
ALTER TABLE jobs ADD CONSTRAINT jobs_status_check
    CHECK (status IN ('queued', 'running', 'done', 'failed'));
-- @end

-- @sqlite
CREATE TRIGGER reviews_states_insert BEFORE INSERT ON reviews
WHEN NEW.status NOT IN ('requested', 'booked', 'planned', 'in_progress', 'reporting', 'quality_assurance', 'released', 'cancelled')
  OR NEW.kind NOT IN ('qa', 'spotlight', 'trust_peer_review')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: reviews_status_check or reviews_kind_check');
END;
CREATE TRIGGER reviews_states_update BEFORE UPDATE OF status, kind ON reviews
WHEN NEW.status NOT IN ('requested', 'booked', 'planned', 'in_progress', 'reporting', 'quality_assurance', 'released', 'cancelled')
  OR NEW.kind NOT IN ('qa', 'spotlight', 'trust_peer_review')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: reviews_status_check or reviews_kind_check');
END;
CREATE TRIGGER import_runs_status_insert BEFORE INSERT ON import_runs
WHEN NEW.status NOT IN ('running', 'succeeded', 'failed')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: import_runs_status_check');
END;
CREATE TRIGGER import_runs_status_update BEFORE UPDATE OF status ON import_runs
WHEN NEW.status NOT IN ('running', 'succeeded', 'failed')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: import_runs_status_check');
END;
CREATE TRIGGER jobs_status_insert BEFORE INSERT ON jobs
WHEN NEW.status NOT IN ('queued', 'running', 'done', 'failed')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: jobs_status_check');
END;
CREATE TRIGGER jobs_status_update BEFORE UPDATE OF status ON jobs
WHEN NEW.status NOT IN ('queued', 'running', 'done', 'failed')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: jobs_status_check');
END;
-- @end
