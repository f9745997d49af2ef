import { httpRequestDuration } from '@keyport/metrics';
import type { FastifyInstance } from 'fastify';

/**
 * Times every response into keyport_http_request_duration_seconds, labelled with the route's pattern
 * (`/events/:slug`), never the URL itself: no tokens, slugs or search terms end up in the metrics.
 * Requests that match no route are counted as `unmatched`. One histogram observation per request.
 */
export function installHttpMetrics(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', (req, reply, done) => {
    httpRequestDuration.labels(req.method, req.routeOptions.url ?? 'unmatched', String(reply.statusCode)).observe(reply.elapsedTime / 1000);
    done();
  });
}
