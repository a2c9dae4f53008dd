import type { CliIo } from './cli-io.ts';
import type { CliConfig } from './config.ts';
import type { Style } from './format/style.ts';

/** What every command gets: where to write, the resolved config, and how to style text. */
export interface CliContext {
  io: CliIo;
  config: CliConfig;
  style: Style;
}
