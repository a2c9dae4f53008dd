/**
 * What an expression can see. The compiler declares names and types (ScopeDeclaration) when a
 * workflow loads; the interpreter passes values (ExpressionScope) when it evaluates.
 *
 * Scopes: `inputs.<name>`, `vars.<name>`, `steps.<id>.output|status|error|artifacts`, `item` (inside a
 * foreach), the name a foreach gives its item with `as`, `iter.index` (inside a foreach or
 * loop), `stage.name|iteration` (inside a stage), `run.id` and `secrets.<NAME>`.
 */

/** The types an expression value can have, as the DSL talks about them. */
export type ExprType = 'string' | 'int' | 'double' | 'bool' | 'map' | 'list' | 'dyn' | 'null';

export interface ScopeDeclaration {
  inputs: Record<string, ExprType>;
  vars: Record<string, ExprType>;
  /** Step ids visible here, with the type of their output (usually `dyn`). */
  steps: Record<string, { output: ExprType }>;
  secrets: string[];
  /** Declared inside a foreach without `as`: the type of the current item. */
  item?: ExprType;
  /**
   * Declared inside a foreach with `as: <name>`: the item's name and type. Those of enclosing
   * foreach steps stay visible; an inner one hides an outer one of the same name.
   */
  named?: Record<string, ExprType>;
  /** Declared inside a foreach or loop: `iter.index` is visible. */
  iter?: boolean;
  /** Declared inside a stage: `stage.name` and `stage.iteration` are visible. */
  stage?: boolean;
}

export interface ExpressionScope {
  inputs: Record<string, unknown>;
  vars: Record<string, unknown>;
  steps: Record<
    string,
    { output: unknown; status: string; error: unknown; artifacts?: readonly string[] }
  >;
  item?: unknown;
  /** Items of enclosing foreach steps with `as`, by name. */
  named?: Record<string, unknown>;
  iter?: { index: number };
  stage?: { name: string; iteration: number };
  run: { id: string };
  secrets: Record<string, string>;
}

/** The fields of `steps.<id>`. */
export const STEP_FIELDS = ['output', 'status', 'error', 'artifacts'] as const;
