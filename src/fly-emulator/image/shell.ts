/**
 * How `exec` commands are read: the command forms that run the simulated OpenClaw CLI (directly, through `sh -c`, or
 * after a port probe), and the shell-style splitting of the deprecated `cmd` string.
 */
/**
 * The few command shapes the simulated image can run. The emulator is not a shell: it recognises how callers
 * invoke the OpenClaw CLI and answers anything else as a missing command.
 */
export type ParsedCommand =
  | { kind: "openclaw"; args: string[] }
  /** Probe `port` until it accepts a connection (at most `withinS` seconds), then run OpenClaw with `args`. */
  | { kind: "waitForPort"; withinS: number; port: number; args: string[] }
  | { kind: "unknown" };

const OPENCLAW = ["node", "./openclaw.mjs"];
// The safe form: user values travel as positional arguments, never inside the script.
const POSITIONAL_INVOCATION = 'node ./openclaw.mjs "$@"';
// A port probe in node (`net.connect` in a loop) given "$1" seconds and port "$2", then OpenClaw with the rest.
const PORT_PROBE_THEN_OPENCLAW = /^\s*node -e '[^']*\bnet\.connect\b[^']*' "\$1" "\$2" \|\| exit \$\?; shift 2; (.*)$/s;
// Characters a plain script may not contain: the emulator does not interpret shell syntax.
const SHELL_SYNTAX = /[;&|<>`$'"(){}\\*?]/;

/**
 * Recognises `["node","./openclaw.mjs",...args]`, `["sh","-c"|"-lc", SCRIPT, ARGV0, ...args]` where SCRIPT
 * runs `node ./openclaw.mjs "$@"`, `["sh","-c"|"-lc","cd DIR && node ./openclaw.mjs ARGS"]`, and the wait
 * inside the Machine: `["sh","-c", SCRIPT, ARGV0, SECONDS, PORT, ...args]` where SCRIPT is
 * `node -e '<a net.connect probe loop>' "$1" "$2" || exit $?; shift 2; <runs node ./openclaw.mjs "$@">`.
 */
export function parseExecCommand(command: readonly string[]): ParsedCommand {
  if (command[0] === OPENCLAW[0] && command[1] === OPENCLAW[1]) {
    return { kind: "openclaw", args: command.slice(2) };
  }
  if (command[0] !== "sh" || (command[1] !== "-c" && command[1] !== "-lc") || command[2] === undefined) {
    return { kind: "unknown" };
  }
  const script = command[2];
  const probe = PORT_PROBE_THEN_OPENCLAW.exec(script);
  if (probe) {
    const [withinS, port] = [Number(command[4]), Number(command[5])];
    if (!probe[1].includes(POSITIONAL_INVOCATION) || !(withinS >= 0) || !Number.isInteger(port))
      return { kind: "unknown" };
    return { kind: "waitForPort", withinS, port, args: command.slice(6) };
  }
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
