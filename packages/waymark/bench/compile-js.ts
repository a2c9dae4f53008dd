import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const COMPILER_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2023,
  verbatimModuleSyntax: true,
  rewriteRelativeImportExtensions: true,
};

/**
 * Transpiles `src/` and `bench/` of the package to plain ESM JavaScript under `outDir`
 * (types stripped file by file, `./x.ts` imports rewritten to `./x.js`, other files such as
 * the SQL migrations copied). Scenario processes run that build with plain `node`: a TS
 * loader in the process would add its own ~35 MiB to the RSS being measured and its own
 * frames to CPU profiles.
 *
 * `outDir` must sit below the package (node_modules/.cache) so bare imports such as
 * better-sqlite3 resolve from the build as they do from the sources.
 */
export function compileToJs(packageDir: string, outDir: string): void {
  rmSync(outDir, { recursive: true, force: true });
  for (const folder of ['src', 'bench']) {
    for (const file of listFiles(join(packageDir, folder))) {
      const target = join(outDir, relative(packageDir, file));
      mkdirSync(dirname(target), { recursive: true });
      if (file.endsWith('.ts')) {
        const source = readFileSync(file, 'utf8');
        const { outputText } = ts.transpileModule(source, {
          compilerOptions: COMPILER_OPTIONS,
          fileName: file,
        });
        writeFileSync(target.replace(/\.ts$/, '.js'), outputText);
      } else {
        copyFileSync(file, target);
      }
    }
  }
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}
