-- Masks are logged by triggers rather than by application code so that deletes cascading from
-- images and models reach the change log too. Statement-level triggers keep a 10,000-mask batch
-- to one trigger call and one NOTIFY.
--
-- Readers resume from the last seq they saw, which is only safe if no smaller seq can still
-- commit later. Writers of the log therefore hold this lock until they commit, so seq order is
-- commit order. Repositories take it first thing in their transactions (the triggers take it
-- again, re-entrantly, for deletes cascading from images or models), which keeps two writers
-- from deadlocking on it after they have touched each other's rows.
CREATE FUNCTION masksearch_lock_change_log() RETURNS void LANGUAGE sql AS $$
  SELECT pg_advisory_xact_lock(7165108863418400001)
$$;
--> statement-breakpoint
CREATE FUNCTION masksearch_log_mask_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM masksearch_lock_change_log();
  INSERT INTO mask_changes (mask_id, op) SELECT id, 'insert' FROM new_rows ORDER BY id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION masksearch_log_mask_deletes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM masksearch_lock_change_log();
  INSERT INTO mask_changes (mask_id, op) SELECT id, 'delete' FROM old_rows ORDER BY id;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Listeners read mask_changes after the last seq they saw, so one notification per statement,
-- carrying its highest seq, is enough.
CREATE FUNCTION masksearch_notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last_seq bigint;
BEGIN
  SELECT max(seq) INTO last_seq FROM new_rows;
  IF last_seq IS NOT NULL THEN
    PERFORM pg_notify('masksearch_changes', last_seq::text);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER masks_log_inserts AFTER INSERT ON masks
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION masksearch_log_mask_inserts();
--> statement-breakpoint
CREATE TRIGGER masks_log_deletes AFTER DELETE ON masks
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION masksearch_log_mask_deletes();
--> statement-breakpoint
CREATE TRIGGER mask_changes_notify AFTER INSERT ON mask_changes
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION masksearch_notify_changes();
--> statement-breakpoint
-- Pixels are compressed by the application (db/pixel-codec.ts); PostgreSQL's own compression
-- would only spend time failing to shrink them.
ALTER TABLE mask_pixels ALTER COLUMN data SET STORAGE EXTERNAL;
