import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  bigserial,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import type { MaskEncoding } from '../engine/mask.js';

/** A named rectangle [x, y, w, h] in image pixel coordinates. */
export type Box = [x: number, y: number, w: number, h: number];
export type JsonObject = Record<string, unknown>;

/**
 * postgres.js hands back Buffer, PGlite (with our hex parser) Buffer too; callers get a plain
 * Uint8Array so `.slice()` copies instead of aliasing as Buffer's does.
 */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) =>
    Object.getPrototypeOf(value) === Uint8Array.prototype
      ? value
      : new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
});

const id = () => bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity();

export const images = pgTable('images', {
  id: id(),
  key: text('key').notNull().unique(),
  uri: text('uri'),
  width: integer('width'),
  height: integer('height'),
  label: text('label'),
  split: text('split'),
  metadata: jsonb('metadata').$type<JsonObject>().notNull().default({}),
  boxes: jsonb('boxes').$type<Record<string, Box>>().notNull().default({}),
  /** The user's own marks on the image (e.g. "review", "mislabelled"): set by tagImages, kept by re-imports. */
  tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
});

export const models = pgTable('models', {
  id: id(),
  name: text('name').notNull().unique(),
  kind: text('kind'),
  metadata: jsonb('metadata').$type<JsonObject>(),
});

export const masks = pgTable(
  'masks',
  {
    id: id(),
    imageId: bigint('image_id', { mode: 'number' })
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    modelId: bigint('model_id', { mode: 'number' }).references(() => models.id, { onDelete: 'cascade' }),
    maskType: text('mask_type').notNull(),
    source: text('source').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    encoding: text('encoding').$type<MaskEncoding>().notNull(),
    metadata: jsonb('metadata').$type<JsonObject>(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    // A mask without a model (e.g. human attention) is still one per image and type.
    unique('masks_image_model_type_key').on(t.imageId, t.modelId, t.maskType).nullsNotDistinct(),
    // The unique index leads with image_id; model deletes cascade through this one.
    index('masks_model_id_idx').on(t.modelId),
  ],
);

export const maskPixels = pgTable('mask_pixels', {
  maskId: bigint('mask_id', { mode: 'number' })
    .primaryKey()
    .references(() => masks.id, { onDelete: 'cascade' }),
  codec: text('codec').notNull(),
  data: bytea('data').notNull(),
});

export const maskChi = pgTable('mask_chi', {
  maskId: bigint('mask_id', { mode: 'number' })
    .primaryKey()
    .references(() => masks.id, { onDelete: 'cascade' }),
  data: bytea('data').notNull(),
});

/** Masks are inserted or deleted (never updated); images inserted or updated (deletes cascade to masks). */
export type ChangeOp = 'insert' | 'update' | 'delete';

/**
 * The change log, filled by triggers on `masks` and `images` (see the custom migrations), so
 * cascaded deletes from images or models are logged too. Each row names a mask or an image,
 * never both. No foreign keys: a row must outlive what it names. (The table keeps the name it
 * had when it logged masks only; the trigger functions of 0001 write to it by that name.)
 */
export const changeLog = pgTable(
  'mask_changes',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    maskId: bigint('mask_id', { mode: 'number' }),
    imageId: bigint('image_id', { mode: 'number' }),
    op: text('op').$type<ChangeOp>().notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [check('mask_changes_one_subject', sql`num_nonnulls(${t.maskId}, ${t.imageId}) = 1`)],
);

/**
 * Snapshots of the server's in-memory index (engine/table-snapshot.ts), so that a server starts by
 * reading one stream rather than a row per mask, then applies the change log after `change_seq`.
 * The bytes are split into chunk rows (table_snapshot_chunks); a snapshot and its chunks are
 * written in one transaction, which also deletes the older ones, so a reader sees one whole
 * snapshot or none. When they are written: docs/snapshots.md.
 */
export const tableSnapshots = pgTable('table_snapshots', {
  id: id(),
  /** engine/table-snapshot.ts's TABLE_SNAPSHOT_VERSION: a server skips a snapshot it cannot read without fetching it. */
  formatVersion: integer('format_version').notNull(),
  /** The CHI levels of the table (configName), for the same reason. */
  chiConfig: text('chi_config').notNull(),
  /** The last change-log seq the table had applied. */
  changeSeq: bigint('change_seq', { mode: 'number' }).notNull(),
  masks: bigint('masks', { mode: 'number' }).notNull(),
  byteLength: bigint('byte_length', { mode: 'number' }).notNull(),
  chunkCount: integer('chunk_count').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const tableSnapshotChunks = pgTable(
  'table_snapshot_chunks',
  {
    snapshotId: bigint('snapshot_id', { mode: 'number' })
      .notNull()
      .references(() => tableSnapshots.id, { onDelete: 'cascade' }),
    /** 0, 1, … in the order the bytes go. */
    chunk: integer('chunk').notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.snapshotId, t.chunk] })],
);

/** What a token lets its holder do; each scope includes the ones before it. */
export const TOKEN_SCOPES = ['read', 'write', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/**
 * API tokens. Only the SHA-256 of a token is stored: the token itself is shown once, when it is
 * created. A revoked token keeps its row (revoked_at set), so `tokens list` can still say what it was.
 */
export const apiTokens = pgTable('api_tokens', {
  id: id(),
  name: text('name').notNull().unique(),
  scope: text('scope').$type<TokenScope>().notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
}, (t) => [check('api_tokens_scope', sql`${t.scope} in ('read', 'write', 'admin')`)]);

/** NOTIFY channel; the payload is the highest change-log seq written by the statement. */
export const CHANGES_CHANNEL = 'masksearch_changes';

export type ImageRow = typeof images.$inferSelect;
export type ModelRow = typeof models.$inferSelect;
export type MaskRow = typeof masks.$inferSelect;
export type ChangeRow = typeof changeLog.$inferSelect;
export type ApiTokenRow = typeof apiTokens.$inferSelect;
export type TableSnapshotRow = typeof tableSnapshots.$inferSelect;
