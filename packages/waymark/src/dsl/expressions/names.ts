/** Names in a parsed expression: a hint naming the closest known name when cel-js rejects an unknown one. */
import { STEP_FIELDS, type ScopeDeclaration } from './scope.ts';
import { closestMatch } from '../suggest.ts';

/** The parts of a cel-js AST node read here. */
interface Node {
  op: string;
  args: unknown;
}

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && typeof (value as Node).op === 'string';

/** `root.name` or `root["name"]` where root is a bare identifier. */
function memberOf(node: Node): { root: string; name: string } | undefined {
  if ((node.op !== '.' && node.op !== '[]') || !Array.isArray(node.args)) return undefined;
  const [left, right] = node.args as unknown[];
  if (!isNode(left) || left.op !== 'id' || typeof left.args !== 'string') return undefined;
  if (node.op === '.' && typeof right === 'string') return { root: left.args, name: right };
  if (isNode(right) && right.op === 'value' && typeof right.args === 'string') {
    return { root: left.args, name: right.args };
  }
  return undefined;
}

/**
 * A hint for cel-js's `Unknown variable: x` or `No such key: x` on `node`: the closest name that
 * exists in that place, or the names there are.
 */
export function unknownNameHint(
  code: string,
  node: unknown,
  declaration: ScopeDeclaration,
): string | undefined {
  if (code === 'unknown_variable' && isNode(node) && typeof node.args === 'string') {
    const named = Object.keys(declaration.named ?? {});
    if (node.args === 'item' && named.length > 0) {
      return `the item of a foreach with "as" has that name: use ${named.map((n) => `"${n}"`).join(' or ')}`;
    }
    return suggest(node.args, rootNames(declaration), 'names in scope');
  }
  if (code !== 'no_such_key' || !isNode(node) || !Array.isArray(node.args)) return undefined;
  const [left, right] = node.args as unknown[];
  const key =
    typeof right === 'string' ? right : isNode(right) && right.op === 'value' ? right.args : null;
  if (typeof key !== 'string' || !isNode(left)) return undefined;
  const known = knownMembers(left, declaration);
  return known === undefined ? undefined : suggest(key, known.names, known.label);
}

function knownMembers(
  left: Node,
  declaration: ScopeDeclaration,
): { names: string[]; label: string } | undefined {
  if (left.op === 'id') {
    switch (left.args) {
      case 'inputs':
        return { names: Object.keys(declaration.inputs), label: 'declared inputs' };
      case 'vars':
        return { names: Object.keys(declaration.vars), label: 'declared vars' };
      case 'steps':
        return { names: Object.keys(declaration.steps), label: 'steps visible here' };
      case 'secrets':
        return { names: declaration.secrets, label: 'declared secrets' };
      case 'run':
        return { names: ['id'], label: 'fields of run' };
      case 'iter':
        return { names: ['index'], label: 'fields of iter' };
      case 'stage':
        return { names: ['name', 'iteration'], label: 'fields of stage' };
    }
    return undefined;
  }
  const member = memberOf(left);
  if (member?.root === 'steps') return { names: [...STEP_FIELDS], label: 'fields of a step' };
  return undefined;
}

function rootNames(declaration: ScopeDeclaration): string[] {
  const names = ['inputs', 'vars', 'steps', 'secrets', 'run'];
  if (declaration.item !== undefined) names.push('item');
  names.push(...Object.keys(declaration.named ?? {}));
  if (declaration.iter === true) names.push('iter');
  if (declaration.stage === true) names.push('stage');
  return names;
}

function suggest(name: string, known: string[], label: string): string {
  const closest = closestMatch(name, known);
  if (closest !== undefined) return `did you mean "${closest}"?`;
  if (known.length === 0) return `there are no ${label}`;
  const listed = known.slice(0, 8).join(', ');
  return `${label}: ${listed}${known.length > 8 ? ', …' : ''}`;
}

/** The known name within a small edit distance of `name` (case-insensitive), if any. */
