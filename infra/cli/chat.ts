// `atlas chat [--user NAME]`: seed 001's interactive client over HTTP. After logging in it follows the
// user's private messages live, and offers seed 001's menu (1-7) plus history and inbox views.
// Reads lines from any input (a terminal or a pipe: end of input quits like 7). Subscriptions are SSE
// streams printed as messages arrive. The client keeps a Lamport clock (see chat-client.ts).

import { createInterface } from 'node:readline';
import { ChatClient, ChatHttpError, type MessageJson } from './chat-client.ts';
import { followStream } from './chat-stream-client.ts';
import { flag, type ParsedArgs } from './args.ts';

export interface ChatClientIo {
  readonly input: NodeJS.ReadableStream;
  readonly output: { write(chunk: string): unknown };
}

export interface InteractiveChatOptions extends ChatClientIo {
  readonly url: string;
  readonly token?: string | null | undefined;
  readonly user?: string | undefined;
}

export const CHAT_MENU = `
 1) List users
 2) Create channel
 3) List channels
 4) Subscribe to a channel
 5) Publish to a channel
 6) Send a private message
 7) Quit
 8) Channel history
 9) My private messages`;

export async function runChat(args: ParsedArgs): Promise<number> {
  return runInteractiveChat({
    url: flag(args, 'url', 'ATLAS_URL', 'http://127.0.0.1:8080')!,
    token: flag(args, 'token', 'ATLAS_TOKEN'),
    user: flag(args, 'user', 'ATLAS_CHAT_USER'),
    input: process.stdin,
    output: process.stdout,
  });
}

export async function runInteractiveChat(opts: InteractiveChatOptions): Promise<number> {
  const client = new ChatClient({ url: opts.url, token: opts.token });
  const out = (line: string) => opts.output.write(`${line}\n`);
  const lines = lineReader(opts.input);
  const ask = async (prompt: string): Promise<string | null> => {
    opts.output.write(prompt);
    return lines.next();
  };
  const streams = new AbortController();
  const subscribed = new Set<string>();
  try {
    out(`Atlas chat at ${client.url}`);
    const user = opts.user ?? (await ask('Your name: '))?.trim();
    if (!user) return 0;
    const login = await client.login(user);
    out(`Logged in as ${user}${login.created ? ' (new user)' : ''} [clock ${client.clock}]`);
    void followStream({
      client,
      path: `/v1/chat/users/${encodeURIComponent(user)}/stream`,
      onMessage: (m) => out(`\n[private] ${m.src} -> ${m.dst}: ${m.message} (clock ${m.clock}, ${m.timestamp})`),
      signal: streams.signal,
    });

    for (;;) {
      out(CHAT_MENU);
      const choice = await ask('Choose 1-9: ');
      if (choice === null || choice.trim() === '7') break;
      try {
        await handle(choice.trim());
      } catch (error) {
        if (!(error instanceof ChatHttpError)) throw error;
        out(`error: ${error.message} (${error.status} ${error.code})`);
      }
    }
    out('Bye.');
    return 0;

    async function handle(choice: string): Promise<void> {
      switch (choice) {
        case '1':
          out(`Users: ${(await client.users()).join(', ') || '(none)'}`);
          return;
        case '2': {
          const channel = await askName('Channel name: ');
          if (channel === null) return;
          await client.createChannel(channel);
          out(`Channel ${channel} created [clock ${client.clock}]`);
          return;
        }
        case '3':
          out(`Channels: ${(await client.channels()).join(', ') || '(none)'}`);
          return;
        case '4': {
          const channel = await askName('Channel to subscribe to: ');
          if (channel === null || subscribed.has(channel)) return;
          await client.history(channel, Number.MAX_SAFE_INTEGER, 1);
          subscribed.add(channel);
          void followStream({ client, path: `/v1/chat/channels/${encodeURIComponent(channel)}/stream`, onMessage: printPublication, signal: streams.signal });
          out(`Subscribed to #${channel}`);
          return;
        }
        case '5': {
          const channel = await askName('Channel: ');
          const text = channel === null ? null : await ask('Message: ');
          if (channel === null || !text) return;
          const sent = await client.publish(channel, user!, text);
          out(`Published on #${channel} (seq ${sent.seq}, clock ${sent.clock})`);
          return;
        }
        case '6': {
          const dst = await askName('To user: ');
          const text = dst === null ? null : await ask('Message: ');
          if (dst === null || !text) return;
          const sent = await client.send(user!, dst, text);
          out(`Sent to ${dst} (clock ${sent.clock})`);
          return;
        }
        case '8': {
          const channel = await askName('Channel: ');
          if (channel === null) return;
          const page = await client.history(channel, 0, 1000);
          out(`#${channel}: ${page.messages.length} message(s)`);
          for (const m of page.messages.slice(-20)) printPublication(m);
          return;
        }
        case '9': {
          const page = await client.inbox(user!, 0, 1000);
          out(`Private messages: ${page.messages.length}`);
          for (const m of page.messages.slice(-20)) out(`  ${m.src}: ${m.message} (clock ${m.clock}, ${m.timestamp})`);
          return;
        }
        default:
          out(`Unknown choice ${JSON.stringify(choice)}`);
      }
    }

    async function askName(prompt: string): Promise<string | null> {
      const answer = (await ask(prompt))?.trim();
      return answer ? answer : null;
    }

    function printPublication(m: MessageJson): void {
      out(`[#${m.channel}] ${m.user}: ${m.message} (clock ${m.clock}, ${m.timestamp})`);
    }
  } catch (error) {
    if (!(error instanceof ChatHttpError)) throw error;
    out(`atlas chat: ${error.message}`);
    return 1;
  } finally {
    streams.abort();
    lines.close();
  }
}

/** Lines of `input` one at a time; null at end of input. */
function lineReader(input: NodeJS.ReadableStream): { next(): Promise<string | null>; close(): void } {
  const rl = createInterface({ input, terminal: false, crlfDelay: Infinity });
  const queued: string[] = [];
  const waiting: Array<(line: string | null) => void> = [];
  let ended = false;
  rl.on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else queued.push(line);
  });
  rl.on('close', () => {
    ended = true;
    for (const waiter of waiting.splice(0)) waiter(null);
  });
  return {
    next: () => {
      const line = queued.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (ended) return Promise.resolve(null);
      return new Promise((resolve) => waiting.push(resolve));
    },
    close: () => rl.close(),
  };
}
