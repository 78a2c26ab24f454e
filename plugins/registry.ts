import type { MaskSource } from './kit/index.js';

const SOURCE_NAME = /^[a-z][a-z0-9-]*$/;

export class PluginLoadError extends Error {
  override name = 'PluginLoadError';
}

/** Where a registered source came from, for messages and for Query.maskSources. */
export interface RegisteredSource {
  readonly source: MaskSource<unknown>;
  /** The module specifier it was loaded from. */
  readonly module: string;
  readonly builtin: boolean;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/**
 * Checks that a module's export is a mask source: a plugin written in plain JavaScript gets no
 * compiler check, so a missing field would otherwise surface mid-ingest.
 */
function checkSource(value: unknown, module: string): MaskSource<unknown> {
  const fail = (what: string): never => {
    throw new PluginLoadError(`plugin module ${module}: ${what}`);
  };
  if (!isObject(value)) return fail('exports no mask source object (default export, or `sources` array)');
  const { name, description, defaultMaskType, inputs, options, read } = value;
  if (typeof name !== 'string' || !SOURCE_NAME.test(name)) fail(`source name must be lower-case letters, digits and dashes, got ${JSON.stringify(name)}`);
  if (typeof description !== 'string' || description === '') fail(`source '${name}' has no description`);
  if (typeof defaultMaskType !== 'string' || defaultMaskType === '') fail(`source '${name}' has no defaultMaskType`);
  const validInput = (i: unknown) =>
    isObject(i) && Array.isArray(i.extensions) && i.extensions.every((e) => typeof e === 'string' && e.startsWith('.')) && typeof i.description === 'string';
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every(validInput)) {
    fail(`source '${name}' must list its inputs as [{ extensions: ['.ext'], description }]`);
  }
  if (!isObject(options) || typeof options.safeParse !== 'function') fail(`source '${name}' options must be a zod schema`);
  if (typeof read !== 'function') fail(`source '${name}' has no read(file, options, context) function`);
  return value as unknown as MaskSource<unknown>;
}

/** The sources a module provides: its default export (one source or an array), or a `sources` export. */
function sourcesOf(exports: Record<string, unknown>, module: string): MaskSource<unknown>[] {
  const provided = exports.default ?? exports.sources;
  const list = Array.isArray(provided) ? provided : [provided];
  return list.map((value) => checkSource(value, module));
}

/** The installed mask sources by name. Built-in ones are loaded through the same path as external ones. */
export class MaskSourceRegistry {
  private readonly byName = new Map<string, RegisteredSource>();

  /** Imports a module (a URL or a specifier resolvable from this folder) and registers what it exports. */
  async load(module: string, options: { builtin?: boolean; label?: string } = {}): Promise<void> {
    const label = options.label ?? module;
    let exports: Record<string, unknown>;
    try {
      exports = (await import(module)) as Record<string, unknown>;
    } catch (error) {
      throw new PluginLoadError(`cannot load plugin module ${label}: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const source of sourcesOf(exports, label)) this.register(source, label, options.builtin ?? false);
  }

  register(source: MaskSource<unknown>, module: string, builtin = false): void {
    const existing = this.byName.get(source.name);
    if (existing) throw new PluginLoadError(`two plugins provide the source '${source.name}': ${existing.module} and ${module}`);
    this.byName.set(source.name, { source, module, builtin });
  }

  get(name: string): MaskSource<unknown> | undefined {
    return this.byName.get(name)?.source;
  }

  /** In registration order: built-ins first. */
  list(): RegisteredSource[] {
    return [...this.byName.values()];
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}
