/**
 * The few command shapes the simulated image can run. The emulator is not a shell: it recognises how callers
 * invoke the OpenClaw CLI and answers anything else as a missing command.
 */
export type ParsedCommand = { kind: "openclaw"; args: string[] } | { kind: "unknown" };

const OPENCLAW = ["node", "./openclaw.mjs"];
// The safe form: user values travel as positional arguments, never inside the script.
const POSITIONAL_INVOCATION = 'node ./openclaw.mjs "$@"';
// Characters a plain script may not contain: the emulator does not interpret shell syntax.
const SHELL_SYNTAX = /[;&|<>`$'"(){}\\*?]/;

/**
 * Recognises `["node","./openclaw.mjs",...args]`, `["sh","-c"|"-lc", SCRIPT, ARGV0, ...args]` where SCRIPT
 * runs `node ./openclaw.mjs "$@"`, and `["sh","-c"|"-lc","cd DIR && node ./openclaw.mjs ARGS"]`.
 */
export function parseExecCommand(command: readonly string[]): ParsedCommand {
  if (command[0] === OPENCLAW[0] && command[1] === OPENCLAW[1]) {
    return { kind: "openclaw", args: command.slice(2) };
  }
  if (command[0] !== "sh" || (command[1] !== "-c" && command[1] !== "-lc") || command[2] === undefined) {
    return { kind: "unknown" };
  }
  const script = command[2];
  if (script.includes(POSITIONAL_INVOCATION)) {
    return { kind: "openclaw", args: command.slice(4) };
  }
  return parsePlainScript(script);
}

function parsePlainScript(script: string): ParsedCommand {
  let tokens = script.trim().split(/\s+/);
  if (tokens[0] === "cd" && tokens[2] === "&&") tokens = tokens.slice(3);
  if (tokens[0] !== OPENCLAW[0] || tokens[1] !== OPENCLAW[1]) return { kind: "unknown" };
  const args = tokens.slice(2);
  if (args.some((arg) => SHELL_SYNTAX.test(arg))) return { kind: "unknown" };
  return { kind: "openclaw", args };
}

/**
 * Splits the deprecated `cmd` string as a shell would split words, honouring single and double quotes (so
 * `sh -lc 'cd /app && node ./openclaw.mjs models status --plain'` becomes three words).
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let current = "";
  let quote: "'" | '"' | null = null;
  let inWord = false;
  for (const char of line) {
    if (quote) {
      if (char === quote) quote = null;
      else current += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}
