/** Readable terminal output for the demo: colours when it is a terminal, aligned tables. */

const tty = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const paint = (code: string) => (text: string) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
export const bold = paint("1");
export const dim = paint("2");
export const green = paint("32");
export const red = paint("31");
export const yellow = paint("33");
export const cyan = paint("36");

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export function table(headers: string[], rows: string[][]): string {
  const strip = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");
  const widths = headers.map((header, i) =>
    Math.max(strip(header).length, ...rows.map((row) => strip(row[i] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells.map((cell, i) => cell + " ".repeat(widths[i] - strip(cell).length)).join("  ");
  return [bold(line(headers)), ...rows.map(line)].map((text) => `  ${text}`).join("\n");
}
