ALTER TABLE "mask_changes" ALTER COLUMN "mask_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "mask_changes" ADD COLUMN "image_id" bigint;--> statement-breakpoint
ALTER TABLE "mask_changes" ADD CONSTRAINT "mask_changes_one_subject" CHECK (num_nonnulls("mask_changes"."mask_id", "mask_changes"."image_id") = 1);