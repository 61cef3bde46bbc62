// Resident memory of a process from /proc/<pid>/status (Linux): VmRSS now and VmHWM, the kernel's
// high-water mark of resident memory since the process started. Sizes in bytes; null when the process
// is gone or /proc is unavailable.

import { readFileSync } from 'node:fs';

export interface ProcessMemory {
  readonly rssBytes: number;
  readonly peakRssBytes: number;
}

/** Parses the `VmRSS` and `VmHWM` lines (kB) of a /proc/<pid>/status text. */
export function parseProcStatus(text: string): ProcessMemory | null {
  const kb = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : null;
  };
  const rss = kb('VmRSS');
  const hwm = kb('VmHWM');
  if (rss === null || hwm === null) return null;
  return { rssBytes: rss, peakRssBytes: hwm };
}

export function readProcessMemory(pid: number): ProcessMemory | null {
  try {
    return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}

export function megabytes(bytes: number): number {
  return Math.round((bytes / (1024 * 1024)) * 10) / 10;
}
