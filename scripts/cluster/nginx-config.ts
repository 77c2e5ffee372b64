/**
 * The nginx configuration of `npm run cluster`: one loopback listener balancing over the replicas, passive
 * health checks (`max_fails`/`fail_timeout`) and a retry on the next replica of idempotent requests whose
 * replica is unreachable. Non-idempotent requests (POST, PATCH) are never retried (nginx's default).
 *
 * Kept-alive connections are closed on purpose in two places, and both are set so no request races a close:
 * - towards the replicas, nginx drops an idle connection after 4 s, before a replica's own 5 s
 *   `keepAliveTimeout` (src/server.ts) closes it under a request nginx has just sent (a POST would then get a 502);
 * - towards clients, nginx closes a connection after `keepalive_requests` answers (1,000 by default), with
 *   `Connection: close` on the last. A client that sends its next request without reading that header — as
 *   autocannon does — has it reset: a benchmark of 1 connection at 2,000 req/s lost one request per second to
 *   it. 100,000 keeps that out of any run of the benchmark, and still frees a connection's memory now and then.
 *
 * @see https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_next_upstream
 * @see https://nginx.org/en/docs/http/ngx_http_upstream_module.html#server
 * @see https://nginx.org/en/docs/http/ngx_http_core_module.html#keepalive_requests
 */

/**
 * Seconds nginx keeps a replica out of the rotation after one failed attempt (`max_fails=1`): a replica that
 * comes back gets requests again only once this has passed since its last failure.
 */
export const UPSTREAM_FAIL_TIMEOUT_S = 2;

/** Inputs of {@link nginxConfig}. */
export interface NginxConfigInput {
  /** Prefix folder (pid, logs, temp files). */
  readonly dir: string;
  readonly listen: number;
  readonly upstreams: readonly number[];
  /** When nginx runs as root, its workers run as root too (the temp folders are ours). */
  readonly runAsRoot: boolean;
}

/** nginx.conf text. */
export function nginxConfig(input: NginxConfigInput): string {
  const { dir } = input;
  const servers = input.upstreams.map((port) => `    server 127.0.0.1:${port} max_fails=1 fail_timeout=${UPSTREAM_FAIL_TIMEOUT_S}s;`).join('\n');
  return `${input.runAsRoot ? 'user root;\n' : ''}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 20m;
  keepalive_requests 100000;
  upstream fhir_replicas {
${servers}
    keepalive 64;
    keepalive_timeout 4s;
  }
  server {
    listen 127.0.0.1:${input.listen};
    location / {
      proxy_pass http://fhir_replicas;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_connect_timeout 1s;
      proxy_read_timeout 60s;
      proxy_next_upstream error timeout http_502 http_504;
      proxy_next_upstream_tries 3;
      proxy_next_upstream_timeout 10s;
    }
  }
}
`;
}
