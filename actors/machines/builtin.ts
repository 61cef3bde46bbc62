// The machines every Atlas replica registers, in one place: replicas of one cluster must register
// exactly the same machines (a command for a machine one replica lacks would apply differently),
// whether they run as Node processes or as Durable Objects.

import { bankMachine } from './examples/bank.ts';
import { createChatMachine, type ChatMachine } from './chat/machine.ts';
import { createKvMachine, type KvMachine } from './kv/machine.ts';
import type { AnyMachineDefinition } from './types.ts';

export interface BuiltinMachines {
  readonly kv: KvMachine;
  readonly chat: ChatMachine;
  /** Every machine to register, kv and chat included. */
  readonly all: readonly AnyMachineDefinition[];
}

/** Fresh instances (a KV or chat machine holds its host's watch history: one instance per replica). */
export function createBuiltinMachines(): BuiltinMachines {
  const kv = createKvMachine();
  const chat = createChatMachine();
  return { kv, chat, all: [kv, chat, bankMachine] };
}
