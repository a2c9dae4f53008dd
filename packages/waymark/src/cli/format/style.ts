/** ANSI styling, or none: the CLI colors only a terminal (see config.ts). */
export interface Style {
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  dim(text: string): string;
}

const plain = (text: string): string => text;

export function createStyle(color: boolean): Style {
  if (!color) {
    return { green: plain, red: plain, yellow: plain, cyan: plain, dim: plain };
  }
  const sgr =
    (open: number, close: number) =>
    (text: string): string =>
      `\u001b[${open}m${text}\u001b[${close}m`;
  return {
    green: sgr(32, 39),
    red: sgr(31, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
    dim: sgr(2, 22),
  };
}

/** The status of a run or step, colored by what it means. */
export function styleStatus(style: Style, status: string): string {
  switch (status) {
    case 'completed':
      return style.green(status);
    case 'failed':
    case 'cancelled':
      return style.red(status);
    case 'running':
      return style.cyan(status);
    default:
      return style.yellow(status);
  }
}
