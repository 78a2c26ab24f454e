import { Command, Option } from 'commander';
import { createApiToken, listApiTokens, revokeApiToken, TokenNameTaken, type ApiTokenInfo } from '../../db/repositories/tokens.js';
import { TOKEN_SCOPES, type TokenScope } from '../../db/schema.js';
import { CliError } from '../errors.js';
import { rootMessage } from '../../text/errors.js';
import { handOffHeaders } from '../ingest-through-server.js';
import { StoreInUse } from '../store-lock.js';
import { openStore, storeLocation, withStoreOptions, type StoreOptionValues } from '../store.js';

/**
 * The tokens clients send as "Authorization: Bearer TOKEN". Like every command, these work on the
 * store directly (the CLI is the operator and needs no token); a server holding the embedded
 * store takes them over its API, authorised by its operator secret.
 */
export function tokensCommand(): Command {
  const create = withStoreOptions(new Command('create'))
    .description('create a token and print it (only its SHA-256 is stored: it cannot be shown again)')
    .addOption(new Option('--scope <scope>', 'read: queries and PNGs; write: also upserts and ingest; admin: also deletes and tokens').choices(TOKEN_SCOPES).makeOptionMandatory())
    .option('--name <name>', 'a name to list and revoke it by (default: SCOPE-RANDOM)')
    .action((options: StoreOptionValues & { scope: TokenScope; name?: string }) => createToken(options));
  const list = withStoreOptions(new Command('list'))
    .description('list the tokens (never their secrets)')
    .option('--all', 'include revoked tokens', false)
    .action((options: StoreOptionValues & { all: boolean }) => listTokens(options));
  const revoke = withStoreOptions(new Command('revoke'))
    .description('revoke a token: every server sharing the store refuses it from its next request')
    .argument('<name>', 'the token\'s name, as tokens list shows it')
    .action((name: string, options: StoreOptionValues) => revokeToken(name, options));
  return new Command('tokens').description('manage API tokens').addCommand(create).addCommand(list).addCommand(revoke);
}

const NAME = /^[\w.-]{1,64}$/;

const describe = (t: ApiTokenInfo | RemoteToken) => {
  const created = typeof t.createdAt === 'string' ? t.createdAt : t.createdAt.toISOString();
  const revoked = t.revokedAt ? `  revoked ${typeof t.revokedAt === 'string' ? t.revokedAt : t.revokedAt.toISOString()}` : '';
  return `${t.name}\t${t.scope.toLowerCase()}\tcreated ${created}${revoked}`;
};

interface RemoteToken {
  name: string;
  scope: string;
  createdAt: string;
  revokedAt: string | null;
}

/** Runs `local` on the store, or `remote` through the server that holds the embedded store. */
async function onStore<T>(options: StoreOptionValues, command: string, local: (db: Parameters<typeof listApiTokens>[0]) => Promise<T>, remote: (call: RemoteCall) => Promise<T>): Promise<T> {
  const location = storeLocation(options);
  let store;
  try {
    store = await openStore(location, command);
  } catch (error) {
    if (error instanceof StoreInUse && error.holder.command === 'serve' && error.holder.url) return remote(remoteCall(error));
    throw error;
  }
  try {
    return await local(store.handle.db);
  } finally {
    await store.close();
  }
}

type RemoteCall = <D>(query: string, variables: Record<string, unknown>) => Promise<D>;

function remoteCall(inUse: StoreInUse): RemoteCall {
  const server = `the MaskSearch server using ${inUse.dataDir} (pid ${inUse.holder.pid}, ${inUse.holder.url})`;
  return async <D>(query: string, variables: Record<string, unknown>) => {
    let response: Response;
    try {
      response = await fetch(inUse.holder.url!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...handOffHeaders(inUse) },
        body: JSON.stringify({ query, variables }),
      });
    } catch (error) {
      throw new CliError(`cannot reach ${server}: ${rootMessage(error)}`);
    }
    const body = (await response.json().catch(() => undefined)) as { data?: D; errors?: { message: string }[] } | undefined;
    if (!body) throw new CliError(`${server} answered with HTTP ${response.status} and no GraphQL result`);
    if (body.errors?.length || !body.data) throw new CliError(`${server} refused: ${body.errors?.[0]?.message ?? 'no data'}`);
    return body.data;
  };
}

const TOKEN_FIELDS = 'name scope createdAt revokedAt';

async function createToken(options: StoreOptionValues & { scope: TokenScope; name?: string }): Promise<void> {
  if (options.name !== undefined && !NAME.test(options.name)) throw new CliError('--name must be 1 to 64 letters, digits, "_", "." or "-"');
  const created = await onStore(
    options,
    'tokens create',
    async (db) => {
      try {
        const { token, info } = await createApiToken(db, options.scope, options.name);
        return { token, name: info.name };
      } catch (error) {
        throw error instanceof TokenNameTaken ? new CliError(error.message) : error;
      }
    },
    async (call) => {
      const data = await call<{ createApiToken: { token: string; apiToken: RemoteToken } }>(
        `mutation ($scope: TokenScope!, $name: String) { createApiToken(scope: $scope, name: $name) { token apiToken { ${TOKEN_FIELDS} } } }`,
        { scope: options.scope.toUpperCase(), name: options.name ?? null },
      );
      return { token: data.createApiToken.token, name: data.createApiToken.apiToken.name };
    },
  );
  console.error(`created token '${created.name}' with scope ${options.scope}; it is shown only now:`);
  console.log(created.token);
}

async function listTokens(options: StoreOptionValues & { all: boolean }): Promise<void> {
  const tokens = await onStore<(ApiTokenInfo | RemoteToken)[]>(
    options,
    'tokens list',
    (db) => listApiTokens(db, { includeRevoked: options.all }),
    async (call) => (await call<{ apiTokens: RemoteToken[] }>(`query ($all: Boolean) { apiTokens(includeRevoked: $all) { ${TOKEN_FIELDS} } }`, { all: options.all })).apiTokens,
  );
  if (tokens.length === 0) console.log(options.all ? 'no tokens' : 'no live tokens');
  for (const token of tokens) console.log(describe(token));
}

async function revokeToken(name: string, options: StoreOptionValues): Promise<void> {
  await onStore(
    options,
    'tokens revoke',
    async (db) => {
      if (!(await revokeApiToken(db, name))) throw new CliError(`no live token is named '${name}' (masksearch tokens list shows them)`);
    },
    async (call) => {
      await call(`mutation ($name: String!) { revokeApiToken(name: $name) { name } }`, { name });
    },
  );
  console.log(`revoked token '${name}'`);
}
