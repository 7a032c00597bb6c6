# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the dev dependencies.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
RUN npm run build

# Runtime stage: production dependencies only, non-root, no shell tools the bot would need.
# Build and tag with the package version (README.md, "Deployment"):
#   docker build --build-arg VERSION=$(node -p 'require("./package.json").version') -t perfbot:<version> .
FROM node:24-slim
ARG VERSION=dev
LABEL org.opencontainers.image.title="perfbot" \
      org.opencontainers.image.description="ChatOps incident bot for Slack" \
      org.opencontainers.image.version="${VERSION}"
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 PLAYBOOKS_DIR=/app/playbooks
# V8 lets garbage pile up to 280+ MiB in a 50,000-alert storm whose live heap is ~40 MiB; these
# keep its peak RSS at 194 MiB on this Node 24 (README, "Slack delivery guarantees"). Override at will.
ENV NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=4"
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would try to build without the compiler, which this stage lacks.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY playbooks ./playbooks
# The chart font: the slim image has no fonts at all, and charts load only this one.
COPY assets ./assets
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/perfbot.js"]
CMD ["serve"]
