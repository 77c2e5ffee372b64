# FHIR R4 terminology and knowledge server (CPT 47383 content). Node 24, like the project's pinned `node`.
FROM node:24-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

COPY package.json package-lock.json ./
# Production dependencies only (the `node` devDependency is not needed: the image is Node 24).
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

COPY src ./src
COPY fhir-resources ./fhir-resources

RUN mkdir -p /data && chown node:node /data
USER node

ENV PORT=8080 \
    DATA_DIR=/data \
    LOG_LEVEL=info
VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

CMD ["node", "--max-semi-space-size=8", "--expose-gc", "src/server.ts"]
