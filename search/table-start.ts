import type { ChiConfig } from '../engine/index.js';
import { MaskTable, TABLE_SNAPSHOT_VERSION, TableSnapshotError, TableSnapshotReader, configName, sameConfig } from '../engine/index.js';
import type { Database } from '../db/client.js';
import { CopyFormatError } from '../db/bulk-copy.js';
import { getLatestChangeSeq } from '../db/repositories/changes.js';
import { countMasks } from '../db/repositories/masks.js';
import { listModels } from '../db/repositories/models.js';
import { MissingSnapshotChunkError, latestTableSnapshot, readTableSnapshot } from '../db/repositories/table-snapshots.js';
import type { TableSnapshotRow } from '../db/schema.js';
import { loadTableFromRows, putModelRows } from './table-rows.js';

/**
 * How far start-up has got: reading the stored snapshot (bytes), or, when there is none it can
 * use, every mask's row (masks), with the reason.
 */
export type StartProgress =
  | { source: 'snapshot'; done: number; total: number }
  | { source: 'rows'; done: number; total: number; reason: string };

export interface LoadedTable {
  table: MaskTable;
  /** The change-log seq the table is in step with: the changes after it are still to apply. */
  changeSeq: number;
  /** Whether the table came from a stored snapshot (false: built from the rows). */
  fromSnapshot: boolean;
}

/** Why a stored snapshot cannot give this index, or undefined if it can. */
function unusable(snapshot: TableSnapshotRow, config: ChiConfig, latestSeq: number): string | undefined {
  // Only a change log emptied by hand (its seq restarting) is behind its snapshot.
  if (snapshot.changeSeq > latestSeq) return `the stored snapshot is of change ${snapshot.changeSeq}, but the change log ends at ${latestSeq}`;
  if (snapshot.formatVersion !== TABLE_SNAPSHOT_VERSION) {
    return `the stored snapshot is in format version ${snapshot.formatVersion}; this MaskSearch reads version ${TABLE_SNAPSHOT_VERSION}`;
  }
  if (snapshot.chiConfig !== configName(config)) return `the stored snapshot has CHI levels ${snapshot.chiConfig}; the index uses ${configName(config)}`;
  return undefined;
}

/** The snapshot's table, checked whole (length, checksum, every code) before it is used. */
async function readSnapshot(db: Database, snapshot: TableSnapshotRow, config: ChiConfig, onProgress?: (p: StartProgress) => void): Promise<MaskTable> {
  const reader = new TableSnapshotReader();
  let done = 0;
  onProgress?.({ source: 'snapshot', done, total: snapshot.byteLength });
  for await (const chunk of readTableSnapshot(db, snapshot)) {
    await reader.push(chunk);
    done += chunk.length;
    onProgress?.({ source: 'snapshot', done, total: snapshot.byteLength });
  }
  if (reader.byteLength !== snapshot.byteLength) {
    throw new TableSnapshotError(`its row gives ${snapshot.byteLength} bytes, its header ${reader.byteLength ?? 'none'}`);
  }
  const table = await reader.finish();
  if (!sameConfig(table.config, config)) throw new TableSnapshotError(`its header has CHI levels ${configName(table.config)}, its row ${snapshot.chiConfig}`);
  return table;
}

/**
 * The index at start: from the newest stored snapshot when it is of this format and these CHI
 * levels and reads back intact, else built from every row (and a snapshot is written later: see
 * snapshot-schedule.ts). A snapshot that fails any check is never used, only reported as the
 * reason for building from the rows.
 */
export async function loadTable(db: Database, config: ChiConfig, onProgress?: (p: StartProgress) => void): Promise<LoadedTable> {
  const snapshot = await latestTableSnapshot(db);
  let reason = 'there is no stored snapshot';
  if (snapshot) {
    reason = unusable(snapshot, config, await getLatestChangeSeq(db)) ?? '';
    if (!reason) {
      try {
        const table = await readSnapshot(db, snapshot, config, onProgress);
        // Models are few and their renames are not in the change log.
        putModelRows(table, await listModels(db));
        return { table, changeSeq: snapshot.changeSeq, fromSnapshot: true };
      } catch (error) {
        if (!(error instanceof TableSnapshotError || error instanceof MissingSnapshotChunkError || error instanceof CopyFormatError)) throw error;
        reason = `the stored snapshot cannot be used: ${error.message}`;
      }
    }
  }
  const changeSeq = await getLatestChangeSeq(db);
  const total = await countMasks(db);
  const table = new MaskTable(config);
  onProgress?.({ source: 'rows', done: 0, total, reason });
  await loadTableFromRows(db, table, (done) => onProgress?.({ source: 'rows', done, total, reason }));
  return { table, changeSeq, fromSnapshot: false };
}
