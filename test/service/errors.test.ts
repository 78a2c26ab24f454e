import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LogFields } from '../../service/log.js';
import { seedStore, startService, type RunningService } from './service-fixture.js';

/**
 * An internal error (here: loading a mask's pixels throws, as a broken disk would) reaches the client as
 * INTERNAL_SERVER_ERROR with a request id and nothing else, in every NODE_ENV, and the server's
 * log holds the whole error under that id.
 */
describe('internal errors', () => {
  let running: RunningService;
  const logged: { level: string; event: string; fields: LogFields }[] = [];
  const nodeEnv = process.env.NODE_ENV;

  beforeAll(async () => {
    running = await startService(async (store) => void (await seedStore(store, 4, 1)), undefined, {}, { log: (level, event, fields = {}) => logged.push({ level, event, fields }) });
  });
  afterAll(async () => {
    process.env.NODE_ENV = nodeEnv;
    await running?.stop();
  });

  it.each(['development', 'production'])('are masked with NODE_ENV=%s and logged with the request id', async (env) => {
    process.env.NODE_ENV = env;
    const broken = vi.spyOn(running.service, 'loadMask').mockRejectedValue(new Error('read failed at /srv/secret/pixels.bin'));
    const res = await running.gql('{ masks(first: 1) { nodes { id histogram(bins: 4) } } }');
    broken.mockRestore();
    const error = res.errors?.find((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR');
    expect(error, JSON.stringify(res)).toBeDefined();
    const requestId = error!.extensions!.requestId!;
    expect(error!.message).toBe(`internal error; the server's log has it under request id ${requestId}`);
    expect(Object.keys(error!.extensions!).sort()).toEqual(['code', 'requestId']);
    expect(JSON.stringify(res)).not.toMatch(/\bat [^\n]*\.(ts|js):\d+|stack|originalError|secret/);
    const entry = logged.find((l) => l.fields.requestId === requestId);
    expect(entry).toMatchObject({ level: 'error', event: 'internal_error' });
    expect(entry!.fields).toMatchObject({ error: 'read failed at /srv/secret/pixels.bin', path: 'masks.nodes.0.histogram' });
    expect(typeof entry!.fields.stack).toBe('string');
  });
});
