// The chat publisher's NATS side: publishes each message on its subject with the publication headers.
// `flush` resolves once the server has received everything published before it.

import type { NatsConnection } from '@nats-io/nats-core';
import type { ChatMessage } from '../machines/chat/commands.ts';
import type { ChatPublicationSink } from './chat-publisher.ts';
import { encodePublication, publicationHeaders, publicationSubject } from './chat-publication.ts';

export function natsChatSink(nc: NatsConnection, cluster: string, from: string): ChatPublicationSink {
  return {
    publish(message: ChatMessage) {
      nc.publish(publicationSubject(cluster, message), encodePublication(message), { headers: publicationHeaders(message, from) });
    },
    flush: () => nc.flush(),
  };
}
