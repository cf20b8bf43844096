-- Ids of the events every replica's subscribers see (rotated, config-changed): one sequence for
-- all replicas, so a subscriber that reconnects to another replica resumes where it was.
CREATE SEQUENCE event_ids;
