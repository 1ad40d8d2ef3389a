# The chat server image: Node 24 runs the TypeScript sources directly (type stripping),
# so there is no build step beyond installing production dependencies.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts=false && npm cache clean --force
COPY main.ts ./
COPY src ./src
COPY handlers ./handlers
COPY web ./web
COPY client/src ./client/src
USER node
EXPOSE 3000
CMD ["node", "main.ts"]
