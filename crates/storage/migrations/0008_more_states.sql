-- More workflow states and kinds kept as enums in the domain
-- (upward_domain::workflow::{EmailStatus, PersonStatus, PoolStatus},
-- upward_domain::reviews::TeamRole) and a school's membership: the
-- database refuses any other value. The integration test
-- workflow_states_are_checked_by_the_database tries every value.

-- @postgres
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('queued', 'sending', 'sent', 'recorded', 'failed', 'suppressed'));
ALTER TABLE people ADD CONSTRAINT people_status_check CHECK (status IN ('invited', 'active', 'disabled'));
ALTER TABLE pool_memberships ADD CONSTRAINT pool_memberships_status_check CHECK (status IN ('active', 'paused', 'left'));
ALTER TABLE review_team ADD CONSTRAINT review_team_role_check CHECK (role IN ('lead', 'peer'));
ALTER TABLE schools ADD CONSTRAINT schools_membership_check CHECK (membership IN ('member', 'former', 'none'));
-- @end

-- @sqlite
CREATE TRIGGER outbox_status_check_insert BEFORE INSERT ON outbox
WHEN NEW.status NOT IN ('queued', 'sending', 'sent', 'recorded', 'failed', 'suppressed')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: outbox_status_check');
END;
CREATE TRIGGER outbox_status_check_update BEFORE UPDATE OF status ON outbox
WHEN NEW.status NOT IN ('queued', 'sending', 'sent', 'recorded', 'failed', 'suppressed')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: outbox_status_check');
END;
CREATE TRIGGER people_status_check_insert BEFORE INSERT ON people
WHEN NEW.status NOT IN ('invited', 'active', 'disabled')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: people_status_check');
END;
CREATE TRIGGER people_status_check_update BEFORE UPDATE OF status ON people
WHEN NEW.status NOT IN ('invited', 'active', 'disabled')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: people_status_check');
END;
CREATE TRIGGER pool_memberships_status_check_insert BEFORE INSERT ON pool_memberships
WHEN NEW.status NOT IN ('active', 'paused', 'left')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: pool_memberships_status_check');
END;
CREATE TRIGGER pool_memberships_status_check_update BEFORE UPDATE OF status ON pool_memberships
WHEN NEW.status NOT IN ('active', 'paused', 'left')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: pool_memberships_status_check');
END;
CREATE TRIGGER review_team_role_check_insert BEFORE INSERT ON review_team
WHEN NEW.role NOT IN ('lead', 'peer')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: review_team_role_check');
END;
CREATE TRIGGER review_team_role_check_update BEFORE UPDATE OF role ON review_team
WHEN NEW.role NOT IN ('lead', 'peer')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: review_team_role_check');
END;
CREATE TRIGGER schools_membership_check_insert BEFORE INSERT ON schools
WHEN NEW.membership NOT IN ('member', 'former', 'none')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: schools_membership_check');
END;
CREATE TRIGGER schools_membership_check_update BEFORE UPDATE OF membership ON schools
WHEN NEW.membership NOT IN ('member', 'former', 'none')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: schools_membership_check');
END;
-- @end
