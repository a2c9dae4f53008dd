/** From a path in a parsed YAML document back to an offset in its text. */
import { type Document, isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { DocumentPath } from './parse-yaml.ts';
import { sourceOffsetOfValueIndex } from './scalar-offsets.ts';

export interface LocateOptions {
  /** The last mapping key of the path rather than its value. */
  key?: boolean;
  /** This character of the string value at the path, when it can be mapped. */
  index?: number;
}

/**
 * Where `path` starts in `text`; a path that does not exist resolves to the deepest node that
 * does. With `index`, the position of that character inside the string at `path`, when the
 * path exists and the scalar's style allows mapping it (see scalar-offsets.ts).
 */
export function locatePath(
  doc: Document.Parsed,
  text: string,
  path: DocumentPath,
  options: LocateOptions = {},
): number {
  if (options.index !== undefined) {
    const node = nodeAt(doc, path);
    const inside = isScalar(node) ? sourceOffsetOfValueIndex(text, node, options.index) : undefined;
    if (inside !== undefined) return inside;
  }
  return locateOffset(doc, path, options.key ?? false);
}

/** The node at exactly `path` (aliases followed), or undefined when a segment is missing. */
function nodeAt(doc: Document.Parsed, path: DocumentPath): unknown {
  let node: unknown = doc.contents;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isScalar(p.key) && String(p.key.value) === String(segment),
      );
      node = pair?.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
    } else {
      return undefined;
    }
  }
  return isAlias(node) ? node.resolve(doc) : node;
}

function locateOffset(doc: Document.Parsed, path: DocumentPath, wantKey: boolean): number {
  let node: unknown = doc.contents;
  let offset = doc.contents?.range[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    let keyOffset: number | undefined;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (pair !== undefined) {
        next = pair.value;
        if (isScalar(pair.key)) keyOffset = pair.key.range?.[0];
      }
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
    }
    if (next === undefined && keyOffset === undefined) return offset;
    const last = i === path.length - 1;
    if (last && wantKey && keyOffset !== undefined) return keyOffset;
    const nextOffset = rangeStart(next) ?? keyOffset;
    if (nextOffset === undefined) return offset;
    offset = nextOffset;
    node = next;
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  if (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node)) return node.range?.[0];
  return undefined;
}
