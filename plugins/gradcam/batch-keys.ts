import { SourceInputError, type SourceFile } from '../kit/index.js';
import { sidecarName } from './file-names.js';

interface KeyList {
  readonly keys: readonly string[];
  /** Where the keys came from, for messages. */
  readonly from: string;
}

/**
 * The image keys of a batch's masks, in batch order: the keys option, else the sidecar
 * <name>.keys.txt or <name>.keys.json. A batch of one without a key list belongs to the file's
 * own key. One key per mask, each used once: two masks of one image in a batch are a mix-up.
 */
export async function batchKeys(file: SourceFile, keysOption: readonly string[] | undefined, count: number, shape: string): Promise<readonly string[]> {
  const list = keysOption ? { keys: keysOption, from: 'the keys option' } : await sidecarKeys(file);
  if (!list) {
    if (count === 1) return [file.key];
    throw new SourceInputError(
      `holds a batch of ${count} masks (shape ${shape}) but no image keys for them; give the keys in batch order ` +
        `with the keys option, or as one key per line in ${sidecarName(file, '.keys.txt')} ` +
        `or a JSON array of strings in ${sidecarName(file, '.keys.json')} next to it`,
    );
  }
  if (list.keys.length !== count) {
    throw new SourceInputError(
      `holds ${count} ${count === 1 ? 'mask' : 'masks'} (shape ${shape}) but ${list.from} gives ${list.keys.length} keys; expected one key per mask, in batch order`,
    );
  }
  const firstIndex = new Map<string, number>();
  list.keys.forEach((key, index) => {
    const earlier = firstIndex.get(key);
    if (earlier !== undefined) {
      throw new SourceInputError(`has key '${key}' twice in ${list.from} (masks ${earlier} and ${index}); expected each image once`);
    }
    firstIndex.set(key, index);
  });
  return list.keys;
}

async function sidecarKeys(file: SourceFile): Promise<KeyList | null> {
  const txtName = sidecarName(file, '.keys.txt');
  const jsonName = sidecarName(file, '.keys.json');
  const [txt, json] = await Promise.all([file.sidecar('.keys.txt'), file.sidecar('.keys.json')]);
  if (txt && json) throw new SourceInputError(`has two key lists, ${txtName} and ${jsonName}; keep one`);
  if (txt) return { keys: textKeys(decodeUtf8(txt, txtName)), from: txtName };
  if (json) return { keys: jsonKeys(decodeUtf8(json, jsonName), jsonName), from: jsonName };
  return null;
}

/** One key per line; surrounding white space (and so a CRLF's CR) is not part of a key, blank lines are skipped. */
function textKeys(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((key) => key !== '');
}

function jsonKeys(text: string, name: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SourceInputError(`has a key list ${name} that is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!Array.isArray(parsed)) throw new SourceInputError(`has a key list ${name} that is not a JSON array; expected an array of key strings`);
  parsed.forEach((key, index) => {
    if (typeof key !== 'string' || key === '') {
      throw new SourceInputError(`has a key list ${name} whose element ${index} is ${JSON.stringify(key)}; expected a non-empty string`);
    }
  });
  return parsed as string[];
}

function decodeUtf8(bytes: Uint8Array, name: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SourceInputError(`has a key list ${name} that is not UTF-8 text`);
  }
}
