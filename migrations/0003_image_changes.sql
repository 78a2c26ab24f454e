-- Images are logged like masks (see 0001_change_log.sql), so that a server sees images another
-- process inserts or changes: labels and splits (the `where` filters), sizes and named boxes
-- (ROIs by image box) live in its memory. One row per inserted image and one per updated image
-- whose row actually changed, so re-importing unchanged records logs nothing. The triggers take
-- the change-log lock like the mask triggers (seq order stays commit order), and the NOTIFY is
-- mask_changes_notify's: one per statement. An upsert (INSERT ... ON CONFLICT DO UPDATE) fires
-- both statement triggers, each seeing only its own rows.
--
-- Image deletes are not logged. The masks of a deleted image are, as cascaded mask deletes; image
-- ids are identity values, never reused (a key imported again gets a new id and is logged as an
-- insert), so what a reader still holds of a deleted image is referenced by no mask and matches
-- nothing.
--
-- Transition tables allow one event per trigger, hence two triggers.
CREATE FUNCTION masksearch_log_image_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM masksearch_lock_change_log();
  INSERT INTO mask_changes (image_id, op) SELECT id, 'insert' FROM new_rows ORDER BY id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION masksearch_log_image_updates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM masksearch_lock_change_log();
  INSERT INTO mask_changes (image_id, op)
    SELECT n.id, 'update' FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE n IS DISTINCT FROM o
    ORDER BY n.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER images_log_inserts AFTER INSERT ON images
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION masksearch_log_image_inserts();
--> statement-breakpoint
CREATE TRIGGER images_log_updates AFTER UPDATE ON images
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION masksearch_log_image_updates();
