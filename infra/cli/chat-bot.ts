// `atlas chat-bot --bots N`: seed 001's load generator over HTTP. Each bot logs in as `bot_XXXXX`,
// then, round after round: lists the channels (creating `geral` when there is none), picks one at
// random, publishes 10 messages from a fixed list, and waits 2 s. It runs until interrupted, or for
// `--rounds R`. A failed request (a leader change, say) is printed and the bot goes on next round.

import { ChatClient, ChatHttpError } from './chat-client.ts';
import { sleep } from './chat-stream-client.ts';
import { flag, intFlag, type ParsedArgs, UsageError } from './args.ts';
import { onShutdown } from './shutdown.ts';

export const BOT_MESSAGES = [
  'Olá, sou um bot!',
  'Mensagem automática',
  'Testando o sistema',
  'Bot em ação',
  'Mensagem de teste',
  'Sistema funcionando',
  'Publicação automática',
  'Bot ativo',
  'Teste de carga',
  'Mensagem gerada automaticamente',
] as const;

export const DEFAULT_BOT_CHANNEL = 'geral';

export interface ChatBotOptions {
  readonly url: string;
  readonly token?: string | null | undefined;
  readonly bots: number;
  readonly messagesPerRound: number;
  readonly pauseMs: number;
  /** Rounds per bot; undefined runs until `signal` aborts. */
  readonly rounds?: number | undefined;
  readonly stdout: { write(chunk: string): unknown };
  readonly signal: AbortSignal;
}

export interface ChatBotSummary {
  readonly published: number;
  readonly failures: number;
}

export async function runChatBot(args: ParsedArgs): Promise<number> {
  const bots = intFlag(args, 'bots', 'ATLAS_CHAT_BOTS', 1)!;
  if (bots < 1) throw new UsageError('--bots must be at least 1');
  const rounds = intFlag(args, 'rounds', 'ATLAS_CHAT_ROUNDS');
  const controller = new AbortController();
  const finished = runChatBots({
    url: flag(args, 'url', 'ATLAS_URL', 'http://127.0.0.1:8080')!,
    token: flag(args, 'token', 'ATLAS_TOKEN'),
    bots,
    messagesPerRound: intFlag(args, 'messages', 'ATLAS_CHAT_MESSAGES', 10)!,
    pauseMs: intFlag(args, 'pause-ms', 'ATLAS_CHAT_PAUSE_MS', 2_000)!,
    rounds,
    stdout: process.stdout,
    signal: controller.signal,
  });
  let reported = false;
  const report = (summary: ChatBotSummary) => {
    if (reported) return;
    reported = true;
    process.stdout.write(`chat-bot: ${summary.published} messages published, ${summary.failures} failed requests\n`);
  };
  onShutdown(async () => {
    controller.abort();
    report(await finished);
  });
  const summary = await finished;
  report(summary);
  return summary.published > 0 || controller.signal.aborted ? 0 : 1;
}

export async function runChatBots(opts: ChatBotOptions): Promise<ChatBotSummary> {
  const results = await Promise.all(Array.from({ length: opts.bots }, () => runOneBot(opts)));
  return {
    published: results.reduce((n, r) => n + r.published, 0),
    failures: results.reduce((n, r) => n + r.failures, 0),
  };
}

async function runOneBot(opts: ChatBotOptions): Promise<ChatBotSummary> {
  const client = new ChatClient({ url: opts.url, token: opts.token });
  const name = `bot_${randomDigits(5)}`;
  let published = 0;
  let failures = 0;
  const say = (line: string) => opts.stdout.write(`[${name} clock=${client.clock}] ${line}\n`);
  const failed = (error: unknown) => {
    failures++;
    say(`error: ${error instanceof Error ? error.message : String(error)}`);
  };

  while (!opts.signal.aborted) {
    try {
      await client.login(name);
      say('logged in');
      break;
    } catch (error) {
      failed(error);
      await sleep(opts.pauseMs, opts.signal);
    }
  }
  for (let round = 0; !opts.signal.aborted && (opts.rounds === undefined || round < opts.rounds); round++) {
    try {
      const channel = pick(await channelsOrDefault(client));
      for (let i = 0; i < opts.messagesPerRound && !opts.signal.aborted; i++) {
        const text = pick(BOT_MESSAGES);
        await client.publish(channel, name, text);
        published++;
        say(`#${channel}: ${text}`);
      }
    } catch (error) {
      failed(error);
    }
    if (opts.rounds === undefined || round + 1 < opts.rounds) await sleep(opts.pauseMs, opts.signal);
  }
  return { published, failures };
}

/** The channels, after creating the default one when there is none (another bot may win the race). */
async function channelsOrDefault(client: ChatClient): Promise<string[]> {
  const channels = await client.channels();
  if (channels.length > 0) return channels;
  try {
    await client.createChannel(DEFAULT_BOT_CHANNEL);
  } catch (error) {
    if (!(error instanceof ChatHttpError && error.code === 'precondition_failed')) throw error;
  }
  return [DEFAULT_BOT_CHANNEL];
}

function pick<T>(items: readonly T[]): T {
  return items[randomInt(items.length)]!;
}

function randomInt(below: number): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]! % below;
}

function randomDigits(count: number): string {
  let digits = '';
  for (let i = 0; i < count; i++) digits += String(randomInt(10));
  return digits;
}
