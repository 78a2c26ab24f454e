CREATE TABLE "table_snapshot_chunks" (
	"snapshot_id" bigint NOT NULL,
	"chunk" integer NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "table_snapshot_chunks_snapshot_id_chunk_pk" PRIMARY KEY("snapshot_id","chunk")
);
--> statement-breakpoint
CREATE TABLE "table_snapshots" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "table_snapshots_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"format_version" integer NOT NULL,
	"chi_config" text NOT NULL,
	"change_seq" bigint NOT NULL,
	"masks" bigint NOT NULL,
	"byte_length" bigint NOT NULL,
	"chunk_count" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "table_snapshot_chunks" ADD CONSTRAINT "table_snapshot_chunks_snapshot_id_table_snapshots_id_fk" FOREIGN KEY ("snapshot_id") REFERENCES "public"."table_snapshots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- The engine's counts barely compress, and PostgreSQL would spend time on every chunk finding so
-- (as for mask_pixels, 0001_change_log.sql).
ALTER TABLE "table_snapshot_chunks" ALTER COLUMN "data" SET STORAGE EXTERNAL;
