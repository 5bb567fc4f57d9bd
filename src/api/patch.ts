/**
 * RFC 6902 PATCH as Watcher applies it: only add/replace/remove, internal attributes refused, applied to a copy;
 * the caller validates the result and writes it in a transaction.
 */
import jsonpatch from 'fast-json-patch';
import { invalid } from '../errors.js';

export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

const INTERNAL_ATTRIBUTES = ['/created_at', '/id', '/links', '/updated_at', '/deleted_at', '/uuid'];

export function applyPatch<T extends Record<string, unknown>>(
  document: T,
  operations: readonly PatchOperation[],
  options: { readOnly?: readonly string[]; patchable?: readonly string[] },
): T {
  const serialized = JSON.stringify(operations);
  for (const operation of operations) {
    const top = `/${operation.path.split('/')[1] ?? ''}`;
    if (INTERNAL_ATTRIBUTES.includes(top) || options.readOnly?.includes(top)) {
      throw invalid(
        `'${top}' is an internal attribute and can not be updated`,
        { path: operation.path },
        'INVALID_PATCH',
      );
    }
    if (options.patchable && !options.patchable.includes(top)) {
      throw invalid(
        `'${top}' is not an allowed attribute and can not be updated`,
        { path: operation.path },
        'INVALID_PATCH',
      );
    }
    if (operation.op !== 'remove' && !('value' in operation)) {
      throw invalid(
        `Couldn't apply patch '${serialized}'. Reason: 'value' is required for '${operation.op}'`,
        {},
        'INVALID_PATCH',
      );
    }
  }
  try {
    const copy = structuredClone(document);
    return jsonpatch.applyPatch(copy, operations as jsonpatch.Operation[], true, false).newDocument;
  } catch (error) {
    throw invalid(
      `Couldn't apply patch '${serialized}'. Reason: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      {},
      'INVALID_PATCH',
    );
  }
}
