/**
 * `/metrics` as the sum over every cluster worker, served by whichever worker the scrape lands
 * on. prom-client aggregates in the primary only (`createClusterAggregator`), so a worker asks
 * the primary over IPC and the primary asks every worker (prom-client's own IPC). This glue is
 * the demo's: the metrics package offers the primary and worker halves, not the relay.
 */
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import {
  createClusterAggregator,
  type Exposition,
  exposeToCluster,
  type Metrics,
  type MetricsSource,
} from '@portcullis/metrics';

const REQUEST = 'portcullis-demo:scrape';
const RESPONSE = 'portcullis-demo:scrape-result';

interface ScrapeRequest {
  type: typeof REQUEST;
  id: string;
}
interface ScrapeResponse {
  type: typeof RESPONSE;
  id: string;
  exposition?: Exposition;
  error?: string;
}

/** In the primary: answers workers' scrape requests with the cluster-wide aggregate. */
export function relayClusterMetrics(): void {
  const aggregator = createClusterAggregator();
  cluster.on('message', (worker, message: unknown) => {
    const m = message as Partial<ScrapeRequest> | null;
    if (m?.type !== REQUEST || typeof m.id !== 'string') return;
    const id = m.id;
    aggregator.scrape('prometheus').then(
      (exposition) => worker.send({ type: RESPONSE, id, exposition } satisfies ScrapeResponse),
      (err: unknown) => worker.send({ type: RESPONSE, id, error: String(err) } satisfies ScrapeResponse),
    );
  });
}

/** In a worker: exposes this worker's metrics and returns a source that scrapes the whole cluster. */
export function clusterMetricsSource(metrics: Metrics, timeoutMs = 5000): MetricsSource {
  exposeToCluster(metrics);
  const pending = new Map<string, (r: ScrapeResponse) => void>();
  process.on('message', (message: unknown) => {
    const m = message as Partial<ScrapeResponse> | null;
    if (m?.type === RESPONSE && typeof m.id === 'string') pending.get(m.id)?.(m as ScrapeResponse);
  });
  return {
    scrape: () =>
      new Promise<Exposition>((resolve, reject) => {
        const id = randomUUID();
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error('cluster metrics: the primary did not answer'));
        }, timeoutMs);
        pending.set(id, (r) => {
          clearTimeout(timer);
          pending.delete(id);
          if (r.exposition) resolve(r.exposition);
          else reject(new Error(r.error ?? 'cluster metrics failed'));
        });
        process.send?.({ type: REQUEST, id } satisfies ScrapeRequest);
      }),
  };
}
