import { asc, inArray, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { models, type JsonObject, type ModelRow } from '../schema.js';
import { lookupInChunks } from './batching.js';

export interface NewModel {
  name: string;
  kind?: string | null;
  metadata?: JsonObject | null;
}

/** Inserts or fully replaces models by name; returns ids in input order (a repeated name keeps its last record). */
export async function upsertModels(db: Database, records: readonly NewModel[]): Promise<number[]> {
  if (records.length === 0) return [];
  const latest = [...new Map(records.map((r) => [r.name, r])).values()];
  const rows = await db
    .insert(models)
    .values(latest.map((r) => ({ name: r.name, kind: r.kind ?? null, metadata: r.metadata ?? null })))
    .onConflictDoUpdate({
      target: models.name,
      set: { kind: sql`excluded.kind`, metadata: sql`excluded.metadata` },
    })
    .returning({ id: models.id, name: models.name });
  const idByName = new Map(rows.map((r) => [r.name, r.id]));
  return records.map((r) => idByName.get(r.name)!);
}

export async function getModelsByNames(db: Database, names: readonly string[]): Promise<ModelRow[]> {
  return lookupInChunks(names, (chunk) => db.select().from(models).where(inArray(models.name, chunk)));
}

export async function getModelsByIds(db: Database, ids: readonly number[]): Promise<ModelRow[]> {
  return lookupInChunks(ids, (chunk) => db.select().from(models).where(inArray(models.id, chunk)));
}

/** All models, in id order: there are few, so callers may keep them all. */
export async function listModels(db: Database): Promise<ModelRow[]> {
  return db.select().from(models).orderBy(asc(models.id));
}
