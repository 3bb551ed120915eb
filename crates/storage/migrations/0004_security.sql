-- Security fixes (issue 7).

-- Sign-in attempts and reset-link requests, counted apart (kind), for the
-- limits per account and address, per address, and per account
-- (upward_domain::throttle). Replaces sign_in_attempts, where a request
-- for a reset link counted as a failed sign-in.
CREATE TABLE auth_attempts (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('sign_in', 'reset')),
    account TEXT NOT NULL,
    ip TEXT NOT NULL,
    at BIGINT NOT NULL,
    succeeded BIGINT NOT NULL CHECK (succeeded IN (0, 1))
);
CREATE INDEX auth_attempts_account ON auth_attempts (kind, account, at);
CREATE INDEX auth_attempts_ip ON auth_attempts (kind, ip, at);
DROP TABLE sign_in_attempts;

-- A private calendar feed address is a secret: only its hash (SHA-256, hex,
-- as for API tokens) is kept. PostgreSQL hashes the addresses already made,
-- so they keep working; SQLite has no SHA-256, so there the people who made
-- one make a new one on their account page. The plain column is emptied
-- on both.
ALTER TABLE people ADD COLUMN calendar_token_hash TEXT;
CREATE UNIQUE INDEX people_calendar_token_hash ON people (calendar_token_hash);
-- @postgres
UPDATE people SET calendar_token_hash = encode(sha256(convert_to(calendar_token, 'UTF8')), 'hex')
    WHERE calendar_token IS NOT NULL;
-- @end
UPDATE people SET calendar_token = NULL;

-- The outbox kept live password-reset and invitation links, readable by the
-- central team. Only the recipient's copy may hold one: the copies kept
-- here lose theirs.
UPDATE outbox SET body_text = '[This account e-mail held a password reset or invitation link. Upward no longer keeps such links: only the recipient''s copy contains it.]'
    WHERE topic = 'account' AND (body_text LIKE '%/password/reset/%' OR body_text LIKE '%/invitation/%');
