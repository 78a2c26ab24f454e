import { GraphQLError, getVariableValues, visit, type DocumentNode, type ExecutionResult, type GraphQLSchema, type OperationDefinitionNode, type Source } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

/**
 * The runs of a document before it is compiled, by default. Compiling the benchmarks' documents
 * took 1.1–4.1 ms; a compiled run of bench:http's top-k saves about 0.25 ms (its nested fields,
 * 0.4 → 0.14 ms): a document pays back after ten runs or so, and one sent a few times (a walk
 * through a filter's pages with its values written inline) never would.
 */
export const COMPILE_AFTER_RUNS = 10;

/**
 * graphql-jit 0.8.9 writes argument literals into the code it generates as JSON, then turns
 * placeholder strings starting with this back into NaN, ±Infinity and `new Date(…)` by a textual
 * replacement: a string literal holding a placeholder would become code. A document holding it
 * anywhere is not compiled.
 */
const JIT_PLACEHOLDER = '__MAGIC_';

type Compiled = CompiledQuery['query'];

/** Per operation of a document: runs so far, then its compiled form, or null where it stays with graphql-js. */
interface Entry {
  runs: number;
  query?: Compiled | null;
  operation?: OperationDefinitionNode;
}

function operationOf(document: DocumentNode, name: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  return name ? operations.find((o) => o.name?.value === name) : operations.length === 1 ? operations[0] : undefined;
}

function holdsPlaceholder(document: DocumentNode): boolean {
  let found = false;
  const check = (node: { value: string }) => void (found ||= node.value.includes(JIT_PLACEHOLDER));
  visit(document, { StringValue: check, Name: check });
  return found;
}

/** The compiled form of one operation, or null: subscriptions, and whatever graphql-jit refuses or could misread. */
function compile(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode | undefined): Compiled | null {
  if (!operation || operation.operation === 'subscription' || holdsPlaceholder(document)) return null;
  const compiled = compileQuery(schema, document, operation.name?.value);
  return isCompiledQuery(compiled) ? compiled.query : null;
}

/**
 * graphql-jit's errors carry their locations as line and column only; yoga rebuilds each error
 * from its source and positions (or nodes), which would drop them. Each becomes the GraphQLError
 * graphql-js would have made.
 */
function located(error: GraphQLError, source: Source | undefined): GraphQLError {
  let positions: number[] | undefined;
  if (source && error.locations?.length) {
    const lineStarts = [0];
    for (let i = 0; i < source.body.length; i++) if (source.body[i] === '\n') lineStarts.push(i + 1);
    positions = error.locations.map(({ line, column }) => lineStarts[line - 1] + column - 1);
  }
  return new GraphQLError(error.message, { source: positions && source, positions, path: error.path, originalError: error.originalError, extensions: error.extensions });
}

const withLocatedErrors = (result: ExecutionResult, source: Source | undefined): ExecutionResult =>
  result.errors?.length ? { ...result, errors: result.errors.map((e) => located(e, source)) } : result;

/**
 * Variables graphql-js refuses go to graphql-js, which reports them as it always has; graphql-jit
 * coerces the others itself. (Its coercion does not check @oneOf inputs, e.g. a roi with two kinds.)
 */
const variablesAccepted = (schema: GraphQLSchema, operation: OperationDefinitionNode, variables: unknown) =>
  !operation.variableDefinitions?.length ||
  !('errors' in getVariableValues(schema, operation.variableDefinitions, (variables ?? {}) as Record<string, unknown>, { maxErrors: 1 }));

/**
 * Hot documents run as compiled JavaScript (graphql-jit) instead of through graphql-js' field by
 * field interpretation: the same resolvers (Pothos' wrappers, so auth scopes, the cost limit and
 * the dataloaders are unchanged), without building each field's info and path. A document is
 * compiled once its `afterRuns`-th run has been answered (setImmediate after yoga's response, so
 * no request waits for it inside its own execution); 0 turns compiling off. Keyed by the parsed
 * document, which yoga's parse cache hands out again for the same text, so entries go with the
 * documents that cache drops. Anything not compiled runs through graphql-js.
 */
export function compiledExecution(afterRuns: number = COMPILE_AFTER_RUNS): Plugin<{ request: Request }> {
  if (afterRuns === 0) return {};
  const entries = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, Entry>>>();
  const entryFor = (schema: GraphQLSchema, document: DocumentNode, operationName: string): Entry => {
    let bySchema = entries.get(schema);
    if (!bySchema) entries.set(schema, (bySchema = new WeakMap()));
    let byOperation = bySchema.get(document);
    if (!byOperation) bySchema.set(document, (byOperation = new Map()));
    let entry = byOperation.get(operationName);
    if (!entry) byOperation.set(operationName, (entry = { runs: 0 }));
    return entry;
  };
  /** The compile a request's answer is to be followed by. */
  const compileAfter = new WeakMap<Request, () => void>();
  return {
    onExecute({ args, setExecuteFn }) {
      const entry = entryFor(args.schema, args.document, args.operationName ?? '');
      const { query, operation } = entry;
      if (query && operation && variablesAccepted(args.schema, operation, args.variableValues)) {
        const source = args.document.loc?.source;
        setExecuteFn(async (run) => withLocatedErrors(await query(run.rootValue, run.contextValue, run.variableValues), source));
        return;
      }
      // Every run from the threshold on asks (a request may end without an answer); the first compile settles it.
      if (query !== undefined || ++entry.runs < afterRuns) return;
      const { schema, document, operationName } = args;
      compileAfter.set(args.contextValue.request, () => {
        if (entry.query !== undefined) return;
        entry.operation = operationOf(document, operationName);
        // Outside any request, a throw would end the process; the document stays with graphql-js.
        try {
          entry.query = compile(schema, document, entry.operation);
        } catch {
          entry.query = null;
        }
      });
    },
    onResponse({ request }) {
      const compile = compileAfter.get(request);
      if (compile) setImmediate(compile);
    },
  };
}
