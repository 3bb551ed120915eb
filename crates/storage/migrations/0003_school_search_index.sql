-- The directory's default view is the partnership's open member schools,
-- and a text search looks for words in search_text within it. Every page
-- counts the matches; with this index the count is read from the index
-- alone (membership, status and search_text are all in it) instead of
-- every school's whole row.
CREATE INDEX schools_member_search ON schools (membership, status, search_text);
