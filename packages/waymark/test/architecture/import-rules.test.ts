/**
 * Keeps the dependency direction of DESIGN.md true: parses every source file under src/ and
 * fails, listing each offending file:line and rule, when a folder imports against it, when
 * code outside the CLI touches the process or the console, or when anything evaluates code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC_DIR = fileURLToPath(new URL('../../src/', import.meta.url));

/**
 * The folders of src/ each folder may import, besides its own files. A file's folder is its
 * first path segment, except under storage/, where each adapter is its own folder. `storage/*`
 * means any storage adapter, `*` anything, `.` the files at the top of src/ (the public API).
 */
const FOLDER_RULES: Record<string, readonly string[]> = {
  core: [], // pure domain: no I/O, depends on nothing
  telemetry: ['core'],
  runtime: ['core', 'telemetry'], // talks to storage only through the Store port in core
  'storage/*': ['core'], // adapters are leaves: sqlite and postgres never import each other
  executors: ['core', 'runtime', 'telemetry'],
  dsl: ['core', 'runtime', 'telemetry', 'executors'],
  server: ['core', 'runtime', 'telemetry', 'dsl', 'executors'],
  testing: ['core', 'runtime', 'telemetry', 'storage/*'],
  cli: ['*'], // the composition root: the only place that picks a concrete store
  '.': ['core', 'runtime', 'telemetry', 'dsl', 'executors', 'server'],
};

/** Folders that may import only these npm packages and Node built-ins (others: any). */
const MODULE_ALLOWLIST: Record<string, readonly string[]> = {
  core: ['node:crypto'], // ids; no fs, net, child_process, sqlite, and no npm packages
};

/** Modules only some folders may import. */
const RESTRICTED_MODULES: ReadonlyArray<{ modules: readonly string[]; only: readonly string[] }> = [
  { modules: ['better-sqlite3', 'node:sqlite'], only: ['storage/sqlite'] },
  { modules: ['pg'], only: ['storage/postgres'] },
  { modules: ['node:console'], only: ['cli'] },
  { modules: ['node:vm'], only: [] }, // never evaluate code: expressions are CEL
];

/** Process members only the CLI may touch: config comes from it, and it ends the process. */
const CLI_ONLY_PROCESS_MEMBERS = ['env', 'exit', 'exitCode', 'stdout', 'stderr'];

interface Violation {
  file: string;
  line: number;
  rule: string;
}

/** Checks one file; `file` is its path relative to src/, with `/` separators. */
function checkFile(file: string, text: string): Violation[] {
  const folder = folderOf(file);
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const violations: Violation[] = [];
  const report = (node: ts.Node, rule: string): void => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    violations.push({ file, line: line + 1, rule });
  };
  const visit = (node: ts.Node): void => {
    const specifier = moduleSpecifierOf(node);
    if (specifier !== undefined) {
      for (const rule of importViolations(file, folder, specifier.text)) report(specifier, rule);
      if (folder !== 'cli' && isProcessModule(specifier.text)) {
        for (const name of importedNames(node)) {
          if (CLI_ONLY_PROCESS_MEMBERS.includes(name)) {
            report(specifier, `only cli/ may use process.${name}`);
          }
        }
      }
    }
    const forbidden = forbiddenCode(node, folder);
    if (forbidden !== undefined) report(node, forbidden);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return violations;
}

/** Checks every TypeScript file under `dir`. */
function checkTree(dir: string): { files: string[]; violations: Violation[] } {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => f.split(path.sep).join('/'))
    .filter((f) => /\.[mc]?tsx?$/.test(f))
    .sort();
  const violations = files.flatMap((f) => checkFile(f, readFileSync(path.join(dir, f), 'utf8')));
  return { files, violations };
}

function formatViolation(v: Violation): string {
  return `src/${v.file}:${v.line}  ${v.rule}`;
}

function folderOf(file: string): string {
  const parts = file.split('/');
  if (parts.length === 1) return '.';
  if (parts[0] === 'storage' && parts.length > 2) return `storage/${parts[1]}`;
  return parts[0] as string;
}

function folderAllows(allowed: readonly string[], target: string): boolean {
  return allowed.some(
    (a) =>
      a === '*' ||
      a === target ||
      (a.endsWith('/*') && (target === a.slice(0, -2) || target.startsWith(a.slice(0, -1)))),
  );
}

function rulesFor(folder: string): readonly string[] | undefined {
  if (folder in FOLDER_RULES) return FOLDER_RULES[folder];
  return folder.startsWith('storage/') ? FOLDER_RULES['storage/*'] : undefined;
}

function importViolations(file: string, folder: string, specifier: string): string[] {
  if (specifier.startsWith('.')) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
    if (target.startsWith('../')) {
      return folder === 'cli' ? [] : [`${folder}/ must not import "${specifier}" outside src/`];
    }
    const targetFolder = folderOf(target);
    const allowed = rulesFor(folder);
    if (allowed === undefined) return [`folder ${folder}/ has no rule in FOLDER_RULES`];
    if (targetFolder === folder || folderAllows(allowed, targetFolder)) return [];
    return [`${folder}/ must not import ${targetFolder}/ ("${specifier}")`];
  }
  const module = moduleName(specifier);
  const problems: string[] = [];
  const allowlist = MODULE_ALLOWLIST[folder];
  if (allowlist !== undefined && !allowlist.includes(module)) {
    problems.push(
      `${folder}/ may import only ${allowlist.join(', ')} from outside, not "${specifier}"`,
    );
  }
  for (const { modules, only } of RESTRICTED_MODULES) {
    if (modules.includes(module) && !folderAllows(only, folder)) {
      const where = only.length === 0 ? 'nowhere' : `only in ${only.join(', ')}/`;
      problems.push(`"${specifier}" is allowed ${where}`);
    }
  }
  return problems;
}

/** `node:fs/promises` and `fs` → `node:fs`; `@scope/pkg/sub` → `@scope/pkg`; `pg/lib` → `pg`. */
function moduleName(specifier: string): string {
  if (specifier.startsWith('node:') || isBuiltin(specifier)) {
    return `node:${specifier.replace(/^node:/, '').split('/')[0]}`;
  }
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

function isProcessModule(specifier: string): boolean {
  return specifier === 'process' || specifier === 'node:process';
}

/** The module specifier of an import, export-from, dynamic import, require or import type. */
function moduleSpecifierOf(node: ts.Node): ts.StringLiteralLike | undefined {
  let candidate: ts.Node | undefined;
  if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
    candidate = node.moduleSpecifier;
  } else if (ts.isImportEqualsDeclaration(node)) {
    const ref = node.moduleReference;
    if (ts.isExternalModuleReference(ref)) candidate = ref.expression;
  } else if (ts.isCallExpression(node)) {
    const callee = node.expression;
    const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
    if (callee.kind === ts.SyntaxKind.ImportKeyword || isRequire) candidate = node.arguments[0];
  } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
    candidate = node.argument.literal;
  }
  return candidate !== undefined && ts.isStringLiteralLike(candidate) ? candidate : undefined;
}

/** Names an import declaration takes from its module (`import { env as e }` → `env`). */
function importedNames(node: ts.Node): string[] {
  if (!ts.isImportDeclaration(node)) return [];
  const bindings = node.importClause?.namedBindings;
  if (bindings === undefined || !ts.isNamedImports(bindings)) return [];
  return bindings.elements.map((e) => (e.propertyName ?? e.name).text);
}

/** `x` or `globalThis.x`, parentheses and `(0, x)` unwrapped. */
function isGlobal(node: ts.Expression, name: string): boolean {
  let expr = node;
  while (ts.isParenthesizedExpression(expr)) expr = expr.expression;
  if (ts.isBinaryExpression(expr) && expr.operatorToken.kind === ts.SyntaxKind.CommaToken) {
    return isGlobal(expr.right, name);
  }
  if (ts.isIdentifier(expr)) return expr.text === name;
  return (
    ts.isPropertyAccessExpression(expr) &&
    expr.name.text === name &&
    ts.isIdentifier(expr.expression) &&
    expr.expression.text === 'globalThis'
  );
}

/** `obj.member` or `obj['member']`: the member's name, when `obj` is the global `name`. */
function memberOfGlobal(node: ts.Node, name: string): string | undefined {
  if (ts.isPropertyAccessExpression(node) && isGlobal(node.expression, name)) {
    return node.name.text;
  }
  if (
    ts.isElementAccessExpression(node) &&
    isGlobal(node.expression, name) &&
    ts.isStringLiteralLike(node.argumentExpression)
  ) {
    return node.argumentExpression.text;
  }
  return undefined;
}

/** The rule `node` breaks, if it is code only the CLI may run, or code that evaluates code. */
function forbiddenCode(node: ts.Node, folder: string): string | undefined {
  if (
    (ts.isCallExpression(node) || ts.isNewExpression(node)) &&
    isGlobal(node.expression, 'Function')
  ) {
    return 'no code evaluation: Function constructor';
  }
  if (ts.isCallExpression(node) && isGlobal(node.expression, 'eval')) {
    return 'no code evaluation: eval';
  }
  if (folder === 'cli') return undefined;
  const processMember = memberOfGlobal(node, 'process');
  if (processMember !== undefined && CLI_ONLY_PROCESS_MEMBERS.includes(processMember)) {
    return `only cli/ may use process.${processMember}`;
  }
  if (
    ts.isVariableDeclaration(node) &&
    ts.isObjectBindingPattern(node.name) &&
    node.initializer !== undefined &&
    isGlobal(node.initializer, 'process')
  ) {
    const names = node.name.elements.map((e) => (e.propertyName ?? e.name).getText());
    const used = names.find((n) => CLI_ONLY_PROCESS_MEMBERS.includes(n));
    if (used !== undefined) return `only cli/ may use process.${used}`;
  }
  if (memberOfGlobal(node, 'console') !== undefined) {
    return 'only cli/ may use console (the library emits typed events)';
  }
  return undefined;
}

describe('architecture: import rules', () => {
  it('holds for every file under src/', () => {
    const { files, violations } = checkTree(SRC_DIR);
    // A checker that scans nothing passes vacuously; make sure it saw the core.
    expect(files).toContain('core/errors.ts');
    expect(violations.map(formatViolation)).toEqual([]);
  });

  describe('the checker itself', () => {
    it('reports an import against the direction with file, line and rule', () => {
      const text = [
        "import { ValidationError } from './errors.ts';",
        "import type { Worker } from '../runtime/worker.ts';",
      ].join('\n');
      expect(checkFile('core/bad.ts', text).map(formatViolation)).toEqual([
        'src/core/bad.ts:2  core/ must not import runtime/ ("../runtime/worker.ts")',
      ]);
    });

    it.each([
      ['core/a.ts', "import { readFileSync } from 'node:fs';", 'may import only node:crypto'],
      ['core/a.ts', "import { spawn } from 'child_process';", 'may import only node:crypto'],
      ['core/a.ts', "import { z } from 'zod';", 'may import only node:crypto'],
      [
        'core/a.ts',
        "export * from '../telemetry/event-bus.ts';",
        'core/ must not import telemetry/',
      ],
      ['core/a.ts', "const m = await import('../cli/main.ts');", 'core/ must not import cli/'],
      ['core/a.ts', "type W = import('../runtime/worker.ts').Worker;", 'must not import runtime/'],
      [
        'runtime/a.ts',
        "import { s } from '../storage/sqlite/x.ts';",
        'must not import storage/sqlite/',
      ],
      [
        'runtime/a.ts',
        "import { FakeClock } from '../testing/fake-clock.ts';",
        'must not import testing/',
      ],
      [
        'storage/sqlite/a.ts',
        "import { p } from '../postgres/x.ts';",
        'must not import storage/postgres/',
      ],
      [
        'storage/postgres/a.ts',
        "import { s } from '../sqlite/x.ts';",
        'must not import storage/sqlite/',
      ],
      [
        'storage/postgres/a.ts',
        "import { r } from '../../runtime/x.ts';",
        'must not import runtime/',
      ],
      ['telemetry/a.ts', "import { w } from '../runtime/worker.ts';", 'must not import runtime/'],
      ['testing/a.ts', "import { c } from '../cli/config.ts';", 'testing/ must not import cli/'],
      ['server/a.ts', "import { c } from '../cli/config.ts';", 'server/ must not import cli/'],
      ['runtime/a.ts', "import Database from 'better-sqlite3';", 'allowed only in storage/sqlite/'],
      ['cli/a.ts', "import vm from 'node:vm';", '"node:vm" is allowed nowhere'],
      ['dsl/a.ts', "import { runInNewContext } from 'vm';", '"vm" is allowed nowhere'],
      ['newfolder/a.ts', "import { x } from '../core/x.ts';", 'newfolder/ has no rule'],
      ['index.ts', "export * from './cli/main.ts';", './ must not import cli/'],
      ['runtime/a.ts', 'const url = process.env.DATABASE_URL;', 'only cli/ may use process.env'],
      ['runtime/a.ts', "const url = process['env']['X'];", 'only cli/ may use process.env'],
      ['runtime/a.ts', 'const { env } = process;', 'only cli/ may use process.env'],
      ['runtime/a.ts', "import { env } from 'node:process';", 'only cli/ may use process.env'],
      ['server/a.ts', 'process.exit(1);', 'only cli/ may use process.exit'],
      ['server/a.ts', 'globalThis.process.exit(1);', 'only cli/ may use process.exit'],
      ['telemetry/a.ts', "console.log('x');", 'only cli/ may use console'],
      ['executors/a.ts', "console['error']('x');", 'only cli/ may use console'],
      ['dsl/a.ts', "const f = new Function('a', 'return a');", 'Function constructor'],
      ['cli/a.ts', "const f = Function('return 1');", 'Function constructor'],
      ['dsl/a.ts', "eval('1 + 1');", 'no code evaluation: eval'],
      ['dsl/a.ts', "(0, eval)('1 + 1');", 'no code evaluation: eval'],
    ])('reports %s: %s', (file, text, expected) => {
      const found = checkFile(file, text).map((v) => v.rule);
      expect(
        found.some((r) => r.includes(expected)),
        `${found.join('; ')}`,
      ).toBe(true);
    });

    it.each([
      ['core/a.ts', "import { randomBytes } from 'node:crypto';\nimport type { X } from './b.ts';"],
      [
        'runtime/a.ts',
        "import type { Store } from '../core/store.ts';\nimport '../telemetry/bus.ts';",
      ],
      [
        'storage/sqlite/a.ts',
        "import { x } from './statements.ts';\nimport D from 'better-sqlite3';",
      ],
      [
        'testing/a.ts',
        "import { s } from '../storage/sqlite/index.ts';\nimport '../runtime/w.ts';",
      ],
      ['cli/a.ts', "import { s } from '../storage/postgres/x.ts';\nconsole.log(process.env.X);"],
      ['cli/a.ts', "import pkg from '../../package.json' with { type: 'json' };\nprocess.exit(0);"],
      ['runtime/a.ts', '// process.env.X and console.log() in a comment\n/* eval("x") */'],
      ['runtime/a.ts', "const s = 'process.env.X, console.log(1), eval(2), new Function()';"],
      ['runtime/a.ts', 'const env = options.env; job.process.exit(); logger.console;'],
      ['runtime/a.ts', 'const v = process.version; const s = new AbortController().signal;'],
    ])('accepts %s: %s', (file, text) => {
      expect(checkFile(file, text).map(formatViolation)).toEqual([]);
    });
  });
});
