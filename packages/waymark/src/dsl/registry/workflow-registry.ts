/**
 * Workflow definitions persisted as files: one `{id}.workflow.yaml` per workflow in a
 * directory. The file name is the id, so lookups never parse the whole directory.
 */
import { randomUUID } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WaymarkError } from '../../core/errors.ts';
import { type Diagnostic, hasErrors, WorkflowValidationError } from '../diagnostics.ts';
import type { WorkflowDocument } from '../document.ts';
import { type LoadWorkflowOptions, loadWorkflowDocument } from '../load-workflow-file.ts';
import { WORKFLOW_ID } from '../schema.ts';
import { resolveWorkflowFrom, WORKFLOW_FILE_SUFFIX } from './resolve-workflow.ts';

export interface WorkflowRegistryOptions {
  /** The workflows directory; created on the first write. */
  dir: string;
  /** Passed to every load (known executors, limits). */
  load?: Omit<LoadWorkflowOptions, 'resolveWorkflow'>;
  /**
   * Check nested `run`s whenever a workflow is read or written: an id names
   * `<dir>/<id>.workflow.yaml`, a `.yaml` path is relative to `dir` (where the file is kept,
   * and where a run looks for it); an unknown workflow or a cycle is an error. Default false.
   */
  checkNestedRuns?: boolean;
}

export interface WorkflowSummary {
  id: string;
  name?: string;
  version?: string | number;
  /** Absolute path of the file. */
  file: string;
  valid: boolean;
}

export interface RegisteredWorkflow {
  id: string;
  file: string;
  source: string;
  /** Set when the file validates. */
  document?: WorkflowDocument;
  diagnostics: Diagnostic[];
}

export interface WriteWorkflowOptions {
  /** Name diagnostics carry (the file the source came from). Default: the registry file. */
  file?: string;
}

export interface WorkflowRegistry {
  readonly dir: string;
  /** Every workflow file, sorted by id; invalid files are listed with `valid: false`. */
  list(): Promise<WorkflowSummary[]>;
  /** The workflow, or undefined when no file has this id. */
  get(id: string): Promise<RegisteredWorkflow | undefined>;
  /** Validates and stores a new workflow; refuses an invalid document or an existing id. */
  create(source: string, options?: WriteWorkflowOptions): Promise<RegisteredWorkflow>;
  /** Replaces an existing workflow; the document's id must be `id`. */
  update(id: string, source: string, options?: WriteWorkflowOptions): Promise<RegisteredWorkflow>;
  /** Removes the file; false when there was none. */
  delete(id: string): Promise<boolean>;
}

/**
 * @example
 * const registry = createWorkflowRegistry({ dir: 'workflows' });
 * await registry.create(await readFile('release.workflow.yaml', 'utf8'));
 * const release = await registry.get('release');
 */
export function createWorkflowRegistry(options: WorkflowRegistryOptions): WorkflowRegistry {
  const { dir } = options;
  const fileOf = (id: string): string => join(dir, `${id}${WORKFLOW_FILE_SUFFIX}`);
  // A new resolver each load: it caches the files it reads, which writes change. Its `file`
  // only places relative paths, so any file in `dir` will do for one not written yet.
  const loadOptions = (file = join(dir, WORKFLOW_FILE_SUFFIX)): LoadWorkflowOptions =>
    options.checkNestedRuns === true
      ? { ...options.load, resolveWorkflow: resolveWorkflowFrom({ dir, file }) }
      : { ...options.load };
  const load = (source: string, file: string, id?: string): RegisteredWorkflow => {
    const result = loadWorkflowDocument(source, file, loadOptions(file));
    const diagnostics = [...result.diagnostics];
    const docId = result.document?.id;
    if (id !== undefined && docId !== undefined && docId !== id) {
      diagnostics.unshift(idMismatch(file, id, docId));
    }
    const valid = result.document !== undefined && !hasErrors(diagnostics);
    return {
      id: id ?? docId ?? '',
      file,
      source,
      ...(valid && result.document !== undefined ? { document: result.document } : {}),
      diagnostics,
    };
  };

  const get = async (id: string): Promise<RegisteredWorkflow | undefined> => {
    checkId(id);
    const file = fileOf(id);
    const source = await readIfExists(file);
    return source === undefined ? undefined : load(source, file, id);
  };

  /** Validates once; what is written is returned as `get` would read it back. */
  const validateForWrite = (source: string, label: string | undefined) => {
    const result = loadWorkflowDocument(source, label ?? '<workflow>', loadOptions());
    const document = result.document;
    if (document === undefined) throw new WorkflowValidationError(result.diagnostics);
    const written = (file: string): RegisteredWorkflow => ({
      id: document.id,
      file,
      source,
      document,
      // Only warnings are left (the document is valid): now about the file written.
      diagnostics: result.diagnostics.map((d) => ({ ...d, file })),
    });
    return { document, written };
  };

  return {
    dir,
    async list() {
      const names = await readdirIfExists(dir);
      const ids = names
        .filter((n) => n.endsWith(WORKFLOW_FILE_SUFFIX))
        .map((n) => n.slice(0, -WORKFLOW_FILE_SUFFIX.length))
        .filter((id) => WORKFLOW_ID.test(id))
        .sort();
      const out: WorkflowSummary[] = [];
      for (const id of ids) {
        const workflow = await get(id);
        if (workflow === undefined) continue; // deleted meanwhile
        const doc = workflow.document;
        out.push({
          id,
          ...(doc?.name === undefined ? {} : { name: doc.name }),
          ...(doc?.version === undefined ? {} : { version: doc.version }),
          file: workflow.file,
          valid: doc !== undefined,
        });
      }
      return out;
    },
    get,
    async create(source, writeOptions = {}) {
      const { document, written } = validateForWrite(source, writeOptions.file);
      const file = fileOf(document.id);
      await mkdir(dir, { recursive: true });
      const temp = await writeTemp(dir, document.id, source);
      try {
        // link() fails when the target exists: no window where two creates both succeed.
        await link(temp, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new WaymarkError('WORKFLOW_EXISTS', `workflow "${document.id}" already exists`, {
            details: { id: document.id, file },
          });
        }
        throw error;
      } finally {
        await unlink(temp).catch(() => undefined);
      }
      return written(file);
    },
    async update(id, source, writeOptions = {}) {
      checkId(id);
      const { document, written } = validateForWrite(source, writeOptions.file);
      const file = fileOf(id);
      if (document.id !== id) {
        throw new WorkflowValidationError([idMismatch(writeOptions.file ?? file, id, document.id)]);
      }
      if ((await readIfExists(file)) === undefined) throw notFound(id);
      const temp = await writeTemp(dir, id, source);
      await rename(temp, file);
      return written(file);
    },
    async delete(id) {
      checkId(id);
      const file = fileOf(id);
      if ((await readIfExists(file)) === undefined) return false;
      await rm(file, { force: true });
      return true;
    },
  };
}

/** Ids become file names: anything else could escape the directory. */
function checkId(id: string): void {
  if (!WORKFLOW_ID.test(id) || id.length > 64) {
    throw new WaymarkError(
      'VALIDATION',
      `invalid workflow id "${id}": use lower-case letters, digits, - and _, starting with a letter or digit`,
    );
  }
}

function notFound(id: string): WaymarkError {
  return new WaymarkError('NOT_FOUND', `workflow "${id}" not found`, { details: { id } });
}

function idMismatch(file: string, expected: string, actual: string): Diagnostic {
  return {
    file,
    line: 1,
    column: 1,
    message: `the file is registered as "${expected}" but its id is "${actual}"`,
    hint: `set "id: ${expected}" or store it as ${actual}${WORKFLOW_FILE_SUFFIX}`,
    severity: 'error',
  };
}

/** A temporary file in the same directory, so the rename or link onto the target is atomic. */
async function writeTemp(dir: string, id: string, source: string): Promise<string> {
  const temp = join(dir, `.${id}.${randomUUID()}.tmp`);
  await writeFile(temp, source, { flag: 'wx' });
  return temp;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function readdirIfExists(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
