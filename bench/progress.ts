// A one-line progress bar on stderr, redrawn in place when stderr is a terminal and printed as
// occasional plain lines otherwise (CI logs, test runs).

export interface ProgressSink {
  update(label: string, fraction: number, detail: string): void;
  /** Ends the current line with a final text. */
  done(text: string): void;
}

const BAR_WIDTH = 28;
const PLAIN_EVERY_MS = 2_000;

export function renderBar(fraction: number, width = BAR_WIDTH): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(clamped * 100)).padStart(3)}%`;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  const tty = stream.isTTY === true;
  let lastPlainAt = 0;
  return {
    update(label, fraction, detail) {
      const line = `${label.padEnd(34)} ${renderBar(fraction)} ${detail}`;
      if (tty) {
        stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 120) - 1)}`);
      } else if (Date.now() - lastPlainAt >= PLAIN_EVERY_MS) {
        lastPlainAt = Date.now();
        stream.write(`${line}\n`);
      }
    },
    done(text) {
      stream.write(tty ? `\r\x1b[2K${text}\n` : `${text}\n`);
      lastPlainAt = 0;
    },
  };
}
