-- SQLite serves one process: its event ids are counted in memory. This version exists so both
-- backends share one migration history.
CREATE TABLE schema_notes (version BIGINT PRIMARY KEY, note TEXT NOT NULL);
INSERT INTO schema_notes (version, note) VALUES (2, 'event ids are counted in memory on SQLite');
