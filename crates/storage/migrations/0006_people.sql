-- People: a version for optimistic concurrency. Every change the central
-- team makes to what matching uses about a person (pools, specialisms,
-- safeguarding, dates they cannot do, conflicts) moves it on by one; an
-- edit made from a page showing an older version is refused.
ALTER TABLE people ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

-- Conflicts are looked up by school too (who must not review this school).
CREATE INDEX person_conflicts_school ON person_conflicts (school_id);
