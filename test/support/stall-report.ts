import { connect, type ConnectionOptions } from 'nats';
import { Consumers, Streams } from '@revive/contracts';
import { pollUntil } from './bounded-wait.ts';
import { query, type CallOptions } from './graphql-client.ts';

/**
 * What a test prints when items it waits for do not finish: each item's status as PostgreSQL
 * holds it (through the API), as the page shows it when one is given, and every durable
 * consumer's backlog (`num_pending`: not yet delivered; `num_ack_pending`: delivered, not acked).
 * A stalled stage shows as a backlog nobody takes; a lost update as a page behind the database.
 */
export async function stallReport(
  target: { graphqlUrl: string; natsAdmin: ConnectionOptions },
  ids: readonly string[],
  call: CallOptions,
  pageStatus?: ReadonlyMap<string, string>,
): Promise<string> {
  const lines: string[] = [];
  for (const id of ids) {
    const response = await query<{ media: { status: string; stages: Array<{ stage: string; status: string }> } | null }>(
      target.graphqlUrl,
      'query ($id: ID!) { media(id: $id) { status stages { stage status } } }',
      { id },
      call,
    ).catch((e: unknown) => ({ data: undefined, errors: [{ message: String(e) }] }));
    const media = response.data?.media;
    const database = media
      ? `${media.status} (${media.stages.map((s) => `${s.stage.toLowerCase()} ${s.status}`).join(', ')})`
      : `unreadable: ${JSON.stringify(response.errors)}`;
    lines.push(`  ${id}: database ${database}${pageStatus ? `; page ${pageStatus.get(id) ?? 'no card'}` : ''}`);
  }
  const nc = await connect({ ...target.natsAdmin, timeout: 5000 }).catch(() => null);
  if (!nc) return [...lines, '  consumers: nats-server unreachable'].join('\n');
  try {
    const jsm = await nc.jetstreamManager();
    for (const name of Object.values(Consumers)) {
      const info = await jsm.consumers.info(Streams.media, name).catch(() => null);
      lines.push(
        `  consumer ${name}: ${info ? `pending ${info.num_pending}, ack pending ${info.num_ack_pending}, redelivered ${info.num_redelivered}, waiting pulls ${info.num_waiting}` : 'absent'}`,
      );
    }
  } finally {
    await nc.close();
  }
  return lines.join('\n');
}

/** Polls until every item is in one of `statuses`; on timeout fails with the stall report. */
export async function waitForAll(
  target: { graphqlUrl: string; natsAdmin: ConnectionOptions },
  ids: readonly string[],
  call: CallOptions,
  options: { statuses?: readonly string[]; timeoutMs: number },
): Promise<void> {
  const wanted = new Set(options.statuses ?? ['COMPLETED']);
  const read = async () => {
    const response = await query<{ medias: { edges: Array<{ node: { id: string; status: string } }> } }>(
      target.graphqlUrl,
      '{ medias(first: 100) { edges { node { id status } } } }',
      {},
      call,
    );
    return new Map(response.data?.medias.edges.map((e) => [e.node.id, e.node.status]) ?? []);
  };
  await pollUntil(read, (statuses) => ids.every((id) => wanted.has(statuses.get(id) ?? '')), {
    what: `every item to be ${[...wanted].join(' or ')}`,
    timeoutMs: options.timeoutMs,
    describe: async () => `\n${await stallReport(target, ids, call)}`,
  });
}
