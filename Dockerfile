# syntax=docker/dockerfile:1
#
# hookrelay image: one image for the API, the delivery worker and the migrate job
# (docker-compose.yml picks the command). Multi-stage: the build stage has dev deps
# and compiles TypeScript; the runtime stage has production deps only.

# ---- build ------------------------------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app

# Dependencies first, so source edits don't invalidate this layer. No install scripts
# are needed (nothing relies on a postinstall). The `npm install --no-save` fallback is
# for an npm bug (npm/cli#4828, #8805): lockfiles can lack other platforms' optional
# packages and some npm versions' `npm ci` then refuses them; --no-save keeps the locked
# versions. A package.json/lock mismatch is caught by `npm test` (scripts/lib/services.sh).
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund \
    || (echo "npm ci failed; retrying with npm install --no-save" && npm install --no-save --no-audit --no-fund)

COPY . .
# Generate after copying the sources, so a stale generated client in the build context
# is overwritten. The schema's generator decides the output (src/generated/prisma, or
# node_modules/.prisma for the classic generator); no database or network needed. The
# mkdir keeps the runtime stage's COPY of node_modules/.prisma valid either way.
RUN mkdir -p node_modules/.prisma && npx --no-install prisma generate
RUN npm run build

# ---- runtime ----------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=7780
WORKDIR /app

COPY package.json package-lock.json ./
RUN (npm ci --omit=dev --no-audit --no-fund \
     || (echo "npm ci failed; retrying with npm install --no-save" && npm install --omit=dev --no-save --no-audit --no-fund)) \
    && npm cache clean --force

COPY --from=build /app/node_modules/.prisma ./node_modules/.prisma
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# The API commands of `hookrelay` (webhooks, events, deliveries, listen…) are the client package's CLI.
COPY --from=build /app/packages/client/package.json ./packages/client/package.json
COPY --from=build /app/packages/client/bin ./packages/client/bin
COPY --from=build /app/packages/client/dist ./packages/client/dist
# Migration SQL read by `node bin/hookrelay.js migrate`.
COPY --from=build /app/prisma ./prisma

# The node image ships an unprivileged `node` user; nothing in /app needs to be writable.
USER node
EXPOSE 7780
CMD ["node", "dist/workers/api.js"]
